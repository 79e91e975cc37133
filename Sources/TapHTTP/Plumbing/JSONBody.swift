import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import NIOHTTP1
import TapAPI
import TapCore

/// Reading request bodies and writing JSON answers, with clear refusals for every kind of bad body.
enum JSONBody {
    /// Reads the raw body, refusing more than `limit` bytes without reading further, and a body that did not
    /// arrive within the server's body timeout (``RequestBodyDeadlineHandler`` ends its stream).
    static func bytes(of request: Request, limit: Int) async throws -> [UInt8] {
        do {
            let buffer = try await request.body.collect(upTo: limit)
            return Array(buffer.readableBytesView)
        } catch let error as HTTPError where error.status == .contentTooLarge {
            throw tooLarge(limit)
        } catch is NIOTooManyBytesError {
            throw tooLarge(limit)
        } catch is RequestBodyTimeout {
            throw APIError(
                status: .requestTimeout, code: .requestTimeout, detail: "the request body did not arrive in time")
        } catch is HTTPParserError {
            throw unreadableFraming
        }
    }

    /// Whether `error` says the parser could not frame the body (an unknown `Transfer-Encoding` such as
    /// `xchunked`, a chunk size that overflows). It reaches the handler through the body stream; unmapped it was a
    /// 500 logged as a server error, though the fault is the client's.
    static func isUnreadableFraming(_ error: any Error) -> Bool { error is HTTPParserError }

    /// The answer to a body the parser could not frame: 400, logged at debug; the connection closes after it
    /// (``LingeringCloseHandler``), since nothing that follows can be read as HTTP.
    static let unreadableFraming = APIError.invalidRequest(
        "the request body's framing could not be read: send Content-Length, or Transfer-Encoding: chunked with "
            + "valid chunk sizes")

    private static func tooLarge(_ limit: Int) -> APIError {
        APIError(status: .contentTooLarge, code: .payloadTooLarge, detail: "the body is larger than \(limit) bytes")
    }

    /// Decodes a JSON body of type `T`; an empty body decodes as `{}` when `T` allows it.
    static func decode<T: Decodable>(
        _ type: T.Type, from request: Request, limits: ServerConfiguration
    ) async throws -> (T, [UInt8]) {
        try checkContentType(request)
        let bytes = try await bytes(of: request, limit: limits.maximumBodyBytes)
        return (try decode(type, bytes: bytes), bytes)
    }

    static func decode<T: Decodable>(_ type: T.Type, bytes: [UInt8]) throws -> T {
        let data =
            bytes.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }) ? Data("{}".utf8) : Data(bytes)
        if let name = JSONDuplicateNames.firstDuplicate(in: bytes) { throw duplicateName(name) }
        do {
            return try WireJSON.decoder().decode(type, from: data)
        } catch let error as DecodingError {
            throw describe(error)
        }
    }

    /// The refusal of a body that names one member twice in an object; the name is quoted only when it is a
    /// short plain identifier, so nothing else of the input is echoed.
    static func duplicateName(_ name: String) -> APIError {
        let plain = (1...64).contains(name.utf8.count) && name.utf8.allSatisfy { isPlainNameByte($0) }
        return APIError(
            status: .badRequest, code: .invalidJSON,
            detail: "the body names \(plain ? "member \(name)" : "a member") twice in one object; send each once")
    }

    private static func isPlainNameByte(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
            || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || byte == UInt8(ascii: "_")
            || byte == UInt8(ascii: "-")
    }

    static func checkContentType(_ request: Request) throws {
        guard let contentType = request.headers[.contentType] else { return }
        // Byte-level trimming: Foundation's CharacterSet trimming showed up in every request's profile.
        let essence = contentType.utf8.prefix { $0 != UInt8(ascii: ";") }
        let trimmed = essence.drop { $0 == 0x20 || $0 == 0x09 }.reversed().drop { $0 == 0x20 || $0 == 0x09 }.reversed()
        let mediaType = String(decoding: Array(trimmed), as: UTF8.self).lowercased()
        guard mediaType == "application/json" || mediaType.hasSuffix("+json") else {
            throw APIError(
                status: .unsupportedMediaType, code: .unsupportedMediaType,
                detail: "send the body as application/json (got \(mediaType.prefix(60)))")
        }
    }

    /// Turns a decoding failure into a refusal that names the field, without echoing the input.
    static func describe(_ error: DecodingError) -> APIError {
        func path(_ codingPath: [any CodingKey]) -> String {
            codingPath.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
                .replacingOccurrences(of: ".[", with: "[")
        }
        switch error {
        case .dataCorrupted(let context) where context.codingPath.isEmpty:
            return APIError(status: .badRequest, code: .invalidJSON, detail: "the body is not valid JSON")
        case .dataCorrupted(let context):
            let field = path(context.codingPath)
            return .invalidRequest(
                "\(field): \(context.debugDescription.hasPrefix("Cannot initialize") ? "unknown value" : context.debugDescription)",
                field: field)
        case .keyNotFound(let key, let context):
            let field = path(context.codingPath + [key])
            return .invalidRequest("\(field) is required", field: field)
        case .typeMismatch(let type, let context):
            let field = path(context.codingPath)
            return .invalidRequest(
                "\(field.isEmpty ? "body" : field) must be \(describe(type))", field: field.isEmpty ? nil : field)
        case .valueNotFound(let type, let context):
            let field = path(context.codingPath)
            return .invalidRequest("\(field) must be \(describe(type)), not null", field: field)
        @unknown default:
            return .invalidRequest("the body could not be read")
        }
    }

    private static func describe(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is Int.Type, is Int64.Type, is Double.Type: "a number"
        case is Bool.Type: "true or false"
        case is [Any].Type: "an array"
        default: "an object"
        }
    }

    /// A JSON answer.
    static func response<T: Encodable>(
        _ value: T, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]
    ) throws -> Response {
        var headers = headers
        headers[.contentType] = "application/json"
        headers[.cacheControl] = "no-store"
        // The hot answers (sessions, pages of them, redeems) are written by hand (see `JSONWritable`).
        let body =
            if let writable = value as? any JSONWritable {
                ByteBuffer(bytes: try writable.jsonBytes())
            } else {
                ByteBuffer(bytes: try WireJSON.encoder().encode(value))
            }
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: body))
    }
}

/// Reading query parameters with clear refusals.
struct QueryReader {
    let parameters: [String: String]

    init(_ request: Request) {
        var parameters: [String: String] = [:]
        for (key, value) in request.uri.queryParameters { parameters[String(key)] = String(value) }
        self.parameters = parameters
    }

    func value<T>(_ name: String, _ parse: (String) -> T?) throws -> T? {
        guard let text = parameters[name] else { return nil }
        guard let value = parse(text) else {
            throw APIError.invalidRequest("query parameter \(name) has an invalid value", field: name)
        }
        return value
    }

    func limit(default defaultLimit: Int = 50, maximum: Int = 200) throws -> Int {
        try value("limit") { Int($0).flatMap { (1...maximum).contains($0) ? $0 : nil } } ?? defaultLimit
    }

    func time(_ name: String) throws -> Date? { try value(name, WireJSON.parseTime) }
}

/// Free text an operator types (reason, model, proofing reference): bounded, one line, no control characters.
func checkText(_ text: String?, field: String, maximum: Int) throws {
    guard let text else { return }
    // Counted in Unicode scalars, as JSON Schema's maxLength counts: combining marks cannot slip past.
    guard text.unicodeScalars.count <= maximum else {
        throw APIError.invalidRequest("\(field) is longer than \(maximum) characters", field: field)
    }
    // The shared terminal rule: also bidi overrides, which reorder what the next operator reads.
    guard !TerminalText.containsActive(text) else {
        throw APIError.invalidRequest("\(field) must not contain control characters", field: field)
    }
}
