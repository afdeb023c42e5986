"""The API's own description: the OpenAPI document."""
from __future__ import annotations

import azure.functions as func

from functions._http import Call, endpoint

bp = func.Blueprint()


@endpoint(bp, "GET", "billing/openapi.json", summary="OpenAPI 3.1 document of this API",
          gate="public", tag="system")
def openapi(call: Call) -> dict:
    from functions._openapi import openapi_document

    return openapi_document()
