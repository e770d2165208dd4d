"""Word lists the card parser reads layout with: plain lower case, without accents.

Kept as text so that adding a word is one edit; each list is a ``frozenset``.
"""

from __future__ import annotations

# Legal forms after a company name (compared without dots): S.L., S.A., Ltd, GmbH…
LEGAL_FORMS = frozenset(
    """
    ag bv cb co corp gmbh inc lda limited llc ltd nv plc sa sarl sas sau sc scoop scp sl sll
    slne slu spa srl
    """.strip().split()
)

# Words that make a line a company name rather than a person's.
BUSINESS_WORDS = frozenset(
    """
    abogados agencia arquitectura asesores asesoria asociados automocion bodegas bufete
    ceramicas cerámicas clinica company comunicacion conservas construcciones consulting
    consultores consultoria cooperativa diseno diseño distribuciones electricidad empresa
    enginyeria estudio farmacia ferreteria frutas fundacion gestoria group grupo holdings
    hotel hoteles industrias ingenieria inmobiliaria instalaciones inversiones jardineria
    laboratorios labs lacteos logistica maquinaria obras partners reformas restaurante
    seguros senales services servicios sistemas soluciones solutions studio suministros
    systems taller talleres technologies tecnologia transportes vinos vins
    """.strip().split()
)

# Words of job titles, Spanish and English (without accents).
JOB_WORDS = frozenset(
    """
    abogada abogado account administrador administradora administrativa administrativo
    agente analista arquitecta arquitecto asesor asesora auditor auditora ceo cfo chief cio
    comercial consultant consultor consultora coo coordinador coordinadora cto delegada
    delegado desarrollador desarrolladora designer developer director directora disenador
    disenadora doctor doctora dr dra ejecutiva ejecutivo encargada encargado engineer
    enginyer enginyera especialista executive export fisioterapeuta founder fundador
    fundadora gerente gestor gestora head ingeniera ingeniero jefa jefe lead manager medica
    medico officer operaciones owner partner president presidenta presidente project
    propietaria propietario representante responsable sales secretaria secretario socia
    socio supervisor supervisora tecnica tecnico vendedor vendedora vicepresidente
    """.strip().split()
)

# Second words that make a compound given name: "José Luis", "Ana Belén".
COMPOUND_GIVEN = frozenset(
    """
    alberto andres angel antonio belen carlos carmen cruz de del eduardo elena enrique
    eugenia fernando francisco ignacio isabel javier jesus jose juan laura lucia luis manuel
    maria miguel pablo paula pilar ramon rosa sofia teresa victoria
    """.strip().split()
)

# Common given names: a line starting with one is probably a person.
GIVEN_NAMES = frozenset(
    """
    adrian agustin ainhoa aitor alba alberto alejandra alejandro alex alfonso alicia alvaro
    amparo ana ander andrea andres angel angela anne antonia antonio arantxa ariadna asier
    barbara beatriz belen borja carla carlos carmen carolina cesar charles claire clara
    concepcion cristian cristina daniel david diego dolores eduardo elena elisa elizabeth
    emilio emma enrique esther eva fernando francisco gabriel george gloria gonzalo
    guillermo harry hector helena hugo ignacio inaki ines irene isabel ismael ivan jack
    jaime james javier jean jennifer jessica jesus joan joaquin john jordi jorge jose josefa
    joseph juan julia julian julio karen laura leire linda lorena luc lucas lucia luis luisa
    manuel manuela marc marcos margarita maria marie marina mario mark marta martin mary
    mercedes michael miguel miriam monica montserrat natalia nerea nicolas noelia nuria olga
    oliver olivia oscar pablo paloma patricia paul paula pedro peter pierre pilar pol rafael
    ramon raquel raul ricardo richard robert roberto rocio rosa rosario ruben salvador
    samuel sandra santiago sara sarah sergio silvia sofia sonia sophie susan susana teresa
    thomas tomas veronica vicente victor victoria william xavier yolanda
    """.strip().split()
)

# Lower-case words inside surnames: Muñoz de la Torre, Ferrer i Puig.
PARTICLES = frozenset(
    """
    da das de del do dos i la las los van von y
    """.strip().split()
)

# Words that start a street address.
STREET_WORDS = frozenset(
    """
    av avd avda ave avenida avenue blvd boulevard c calle cami camino carrer carretera ctra
    glorieta gran lane parque pasaje paseo passeig pl plaza pol poligono pza pº rd road
    ronda rua rue rúa st street trav travesia urb urbanizacion via
    """.strip().split()
)

# Labels in front of a mobile number.
MOBILE_LABELS = frozenset(
    """
    cel|celular|m|mob|mobile|movil|tlf movil|tlm|whatsapp
    """.strip().split("|")
)

# Labels in front of a fax number.
FAX_LABELS = frozenset(
    """
    fax
    """.strip().split()
)
