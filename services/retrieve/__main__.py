from libs.platform.service_app import serve
from services.retrieve.main import SERVICE, create_app
from services.retrieve.settings import RetrieveSettings

settings = RetrieveSettings()
serve(SERVICE, settings, lambda: create_app(settings))
