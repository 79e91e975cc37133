import Foundation
import TapCore

/// A type whose API JSON is written by hand, byte for byte what ``WireJSON/encoder()`` makes of its
/// `Encodable` conformance (sorted keys, nil fields left out, times as RFC 3339). Foundation's encoder
/// built a tree of boxed values and sorted every object's keys: a third of the CPU of a page of 50
/// sessions. The tests compare both encodings on every field.
public protocol JSONWritable: Encodable {
    func write(to json: inout JSONWriter) throws
}

extension JSONWritable {
    /// The value's API JSON.
    public func jsonBytes() throws -> [UInt8] {
        var json = JSONWriter()
        try write(to: &json)
        return json.bytes
    }
}

/// Appends JSON to a byte buffer. Keys are written in the order given: a `write(to:)` lists them sorted
/// by their UTF-8 bytes, as `.sortedKeys` does.
public struct JSONWriter {
    public private(set) var bytes: [UInt8] = []
    /// Whether the next key or array element follows a value at the same level.
    private var needsComma = false

    public init() {
        bytes.reserveCapacity(1024)
    }

    public mutating func openObject() {
        separate()
        bytes.append(UInt8(ascii: "{"))
        needsComma = false
    }

    public mutating func closeObject() {
        bytes.append(UInt8(ascii: "}"))
        needsComma = true
    }

    public mutating func openArray() {
        separate()
        bytes.append(UInt8(ascii: "["))
        needsComma = false
    }

    public mutating func closeArray() {
        bytes.append(UInt8(ascii: "]"))
        needsComma = true
    }

    /// A key of the object being written; its value comes next. Keys are plain ASCII names.
    public mutating func key(_ name: StaticString) {
        separate()
        bytes.append(UInt8(ascii: "\""))
        bytes.append(contentsOf: UnsafeBufferPointer(start: name.utf8Start, count: name.utf8CodeUnitCount))
        bytes.append(contentsOf: [UInt8(ascii: "\""), UInt8(ascii: ":")])
        needsComma = false
    }

    public mutating func string(_ text: String) {
        separate()
        bytes.append(UInt8(ascii: "\""))
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\"")])
            case UInt8(ascii: "\\"): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
            case 0x08: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "b")])
            case 0x0C: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "f")])
            case 0x0A: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
            case 0x0D: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
            case 0x09: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
            case 0..<0x20:
                let hex = Array("0123456789abcdef".utf8)
                bytes.append(contentsOf: Array("\\u00".utf8) + [hex[Int(byte >> 4)], hex[Int(byte & 0x0F)]])
            default: bytes.append(byte)
            }
        }
        bytes.append(UInt8(ascii: "\""))
        needsComma = true
    }

    public mutating func integer(_ number: Int) {
        separate()
        bytes.append(contentsOf: String(number).utf8)
        needsComma = true
    }

    public mutating func bool(_ value: Bool) {
        separate()
        bytes.append(contentsOf: (value ? "true" : "false").utf8)
        needsComma = true
    }

    public mutating func null() {
        separate()
        bytes.append(contentsOf: "null".utf8)
        needsComma = true
    }

    /// A time as the API writes it (`2026-11-26T10:00:00Z`).
    public mutating func time(_ date: Date) {
        string(WireJSON.formatTime(date))
    }

    /// A value through the Codable encoder, for the rarely present parts of a hand-written type.
    public mutating func encoded<T: Encodable>(_ value: T) throws {
        separate()
        bytes.append(contentsOf: try WireJSON.encoder().encode(value))
        needsComma = true
    }

    public mutating func value<T: JSONWritable>(_ value: T) throws {
        try value.write(to: &self)
    }

    private mutating func separate() {
        if needsComma { bytes.append(UInt8(ascii: ",")) }
    }

    // Object members that are left out when nil, as the synthesized `encodeIfPresent` does.

    public mutating func field(_ name: StaticString, _ text: String?) {
        guard let text else { return }
        key(name)
        string(text)
    }

    public mutating func field<T: RawRepresentable<String>>(_ name: StaticString, _ value: T?) {
        guard let value else { return }
        key(name)
        string(value.rawValue)
    }

    public mutating func field(_ name: StaticString, _ number: Int) {
        key(name)
        integer(number)
    }

    public mutating func field(_ name: StaticString, _ value: Bool) {
        key(name)
        bool(value)
    }

    public mutating func field(_ name: StaticString, time date: Date?) {
        guard let date else { return }
        key(name)
        time(date)
    }

    public mutating func field<T: JSONWritable>(_ name: StaticString, _ value: T?) throws {
        guard let value else { return }
        key(name)
        try value.write(to: &self)
    }

    public mutating func field<T: Encodable>(_ name: StaticString, encoded value: T?) throws {
        guard let value else { return }
        key(name)
        try encoded(value)
    }
}
