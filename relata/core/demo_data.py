"""Names for the demo data, kept small and Spanish-flavoured like our first customers."""

FIRST_NAMES = [
    "Lucía", "Hugo", "Martina", "Mateo", "Sofía", "Leo", "Julia", "Daniel", "Paula", "Pablo",
    "Valeria", "Álvaro", "Carmen", "Adrián", "Elena", "Javier", "Irene", "Sergio", "Marta",
    "Jorge", "Nuria", "Raúl", "Laura", "Iván", "Ainhoa", "Óscar", "Noelia", "Rubén", "Begoña",
    "Íñigo",
]
LAST_NAMES = [
    "García", "Martínez", "López", "Sánchez", "Pérez", "Gómez", "Martín", "Jiménez", "Ruiz",
    "Hernández", "Díaz", "Moreno", "Muñoz", "Álvarez", "Romero", "Alonso", "Gutiérrez",
    "Navarro", "Torres", "Domínguez", "Vázquez", "Ramos", "Gil", "Ramírez", "Serrano", "Blanco",
    "Molina", "Castro", "Ortiz", "Rubio", "Núñez", "Iglesias", "Echeverría", "Ibáñez",
]
