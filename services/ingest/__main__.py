from libs.platform.service_app import serve
from services.ingest.main import SERVICE, create_app
from services.ingest.settings import IngestSettings

settings = IngestSettings()
serve(SERVICE, settings, lambda: create_app(settings))
