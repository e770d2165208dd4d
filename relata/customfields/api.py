# Placeholder until the custom-field engine lands.
from rest_framework import viewsets


class FieldDefinitionViewSet(viewsets.ViewSet):
    def list(self, request):  # type: ignore[no-untyped-def]
        from rest_framework.response import Response

        return Response([])
