from libs.platform.service_app import serve
from services.guardrail.main import SERVICE, create_app
from services.guardrail.settings import GuardrailSettings

settings = GuardrailSettings()
serve(SERVICE, settings, lambda: create_app(settings))
