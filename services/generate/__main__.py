from libs.platform.service_app import serve
from services.generate.main import SERVICE, create_app
from services.generate.settings import GenerateSettings

settings = GenerateSettings()
serve(SERVICE, settings, lambda: create_app(settings))
