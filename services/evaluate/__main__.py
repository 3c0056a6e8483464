from libs.platform.service_app import serve
from services.evaluate.main import SERVICE, create_app
from services.evaluate.settings import EvaluateSettings

settings = EvaluateSettings()
serve(SERVICE, settings, lambda: create_app(settings))
