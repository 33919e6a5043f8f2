from tests.s3_fixtures import moto_server, s3, s3_options  # noqa: F401
