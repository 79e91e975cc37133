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

    public mutating func openObject() { open(UInt8(ascii: "{")) }
    public mutating func closeObject() { close(UInt8(ascii: "}")) }
    public mutating func openArray() { open(UInt8(ascii: "[")) }
    public mutating func closeArray() { close(UInt8(ascii: "]")) }

    /// A key of the object being written; its value comes next. Keys are plain ASCII names.
    public mutating func key(_ name: StaticString) {
        separate()
        bytes.append(UInt8(ascii: "\""))
        bytes.append(contentsOf: UnsafeBufferPointer(start: name.utf8Start, count: name.utf8CodeUnitCount))
        bytes.append(UInt8(ascii: "\""))
        bytes.append(UInt8(ascii: ":"))
        needsComma = false
    }

    public mutating func string(_ text: String) {
        separate()
        bytes.appendJSONString(text)
        needsComma = true
    }

    public mutating func integer(_ number: Int) { value(String(number).utf8) }
    public mutating func bool(_ flag: Bool) { value((flag ? "true" : "false").utf8) }

    /// A time as the API writes it (`2026-11-26T10:00:00Z`).
    public mutating func time(_ date: Date) {
        string(WireJSON.formatTime(date))
    }

    /// A value through the Codable encoder, for the rarely present parts of a hand-written type.
    public mutating func encoded<T: Encodable>(_ encodable: T) throws {
        value(try WireJSON.encoder().encode(encodable))
    }

    private mutating func open(_ bracket: UInt8) {
        separate()
        bytes.append(bracket)
        needsComma = false
    }

    private mutating func close(_ bracket: UInt8) {
        bytes.append(bracket)
        needsComma = true
    }

    /// A value that is already JSON text.
    private mutating func value(_ json: some Sequence<UInt8>) {
        separate()
        bytes.append(contentsOf: json)
        needsComma = true
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
