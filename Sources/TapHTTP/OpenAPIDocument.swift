/// The hand-maintained API description served at `/openapi.yaml`.
enum OpenAPIDocument {
    static let yaml = #"""
openapi: 3.1.0
info:
  title: TapStation
  version: 0.1.0
paths: {}
"""#
}
