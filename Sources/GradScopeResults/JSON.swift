/// A JSON value with the position it was read from, and objects in document order.
///
/// gradscope reads configs with this small parser rather than Foundation's
/// because the contract needs two things Foundation does not keep: the order of
/// the `sweep` axes (the first axis varies slowest) and the line and column of
/// every value, for error messages that point into the file.
package indirect enum JSONValue: Equatable, Sendable {
    case null
    case bool(Bool)
    /// A number with its source text (integers keep their exact digits).
    case number(Double, text: String)
    case string(String)
    case array([JSONNode])
    /// Members in document order.
    case object([JSONMember])

    /// A short name of the value's type for messages ("a string", "an array").
    package var typeName: String {
        switch self {
        case .null: return "null"
        case .bool: return "a boolean"
        case .number: return "a number"
        case .string: return "a string"
        case .array: return "an array"
        case .object: return "an object"
        }
    }
}

/// A JSON value and where it starts in the source.
package struct JSONNode: Equatable, Sendable {
    package var value: JSONValue
    package var position: SourcePosition

    package init(_ value: JSONValue, at position: SourcePosition = SourcePosition(line: 0, column: 0)) {
        self.value = value
        self.position = position
    }

    /// The member `key` of an object, if this is an object that has it.
    package subscript(key: String) -> JSONNode? {
        guard case .object(let members) = value else { return nil }
        return members.first { $0.key == key }?.value
    }
}

/// One `"key": value` member of an object.
package struct JSONMember: Equatable, Sendable {
    package var key: String
    package var keyPosition: SourcePosition
    package var value: JSONNode
}

/// A 1-based line and column (in characters) of a source file.
package struct SourcePosition: Equatable, Sendable, CustomStringConvertible {
    package var line: Int
    package var column: Int
    package init(line: Int, column: Int) {
        self.line = line
        self.column = column
    }
    package var description: String { "\(line):\(column)" }
}

/// Malformed JSON, with where it was noticed.
package struct JSONSyntaxError: Error, Equatable, CustomStringConvertible {
    package var message: String
    package var position: SourcePosition
    package var description: String { "\(position): \(message)" }
}

/// A strict RFC 8259 parser: no comments, no trailing commas, no duplicate keys,
/// nesting at most `maximumDepth` deep.
package struct JSONParser {
    package static let maximumDepth = 64
    private let bytes: [UInt8]
    private var index = 0
    private var line = 1
    private var lineStart = 0

    /// Parses one JSON document (UTF-8).
    package static func parse(_ bytes: [UInt8]) throws(JSONSyntaxError) -> JSONNode {
        var parser = JSONParser(bytes: bytes)
        guard String(validating: bytes, as: UTF8.self) != nil else {
            throw JSONSyntaxError(message: "the file is not UTF-8 text", position: SourcePosition(line: 1, column: 1))
        }
        parser.skipWhitespace()
        let node = try parser.parseValue(depth: 0)
        parser.skipWhitespace()
        guard parser.index == bytes.count else { throw parser.error("unexpected text after the JSON value") }
        return node
    }

    private init(bytes: [UInt8]) { self.bytes = bytes }

    private var position: SourcePosition {
        // Columns count characters: skip UTF-8 continuation bytes.
        let column = bytes[lineStart..<min(index, bytes.count)].filter { $0 & 0xC0 != 0x80 }.count + 1
        return SourcePosition(line: line, column: column)
    }

    private func error(_ message: String) -> JSONSyntaxError {
        JSONSyntaxError(message: message, position: position)
    }

    private var current: UInt8? { index < bytes.count ? bytes[index] : nil }

    private mutating func skipWhitespace() {
        while let c = current, c == 0x20 || c == 0x09 || c == 0x0A || c == 0x0D {
            index += 1
            if c == 0x0A {
                line += 1
                lineStart = index
            }
        }
    }

    private mutating func parseValue(depth: Int) throws(JSONSyntaxError) -> JSONNode {
        let start = position
        guard let c = current else { throw error("unexpected end of file: expected a value") }
        switch c {
        case UInt8(ascii: "{"): return JSONNode(try parseObject(depth: depth + 1), at: start)
        case UInt8(ascii: "["): return JSONNode(try parseArray(depth: depth + 1), at: start)
        case UInt8(ascii: "\""): return JSONNode(.string(try parseString()), at: start)
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return JSONNode(try parseNumber(), at: start)
        case UInt8(ascii: "t"):
            try expectWord("true")
            return JSONNode(.bool(true), at: start)
        case UInt8(ascii: "f"):
            try expectWord("false")
            return JSONNode(.bool(false), at: start)
        case UInt8(ascii: "n"):
            try expectWord("null")
            return JSONNode(.null, at: start)
        default: throw error("unexpected character '\(Self.printable(c))': expected a value")
        }
    }

    private mutating func expectWord(_ word: String) throws(JSONSyntaxError) {
        let w = Array(word.utf8)
        guard index + w.count <= bytes.count, Array(bytes[index..<(index + w.count)]) == w else {
            throw error("invalid literal: expected '\(word)'")
        }
        index += w.count
    }

    private mutating func parseObject(depth: Int) throws(JSONSyntaxError) -> JSONValue {
        guard depth <= Self.maximumDepth else { throw error("nesting deeper than \(Self.maximumDepth) levels") }
        index += 1
        var members = [JSONMember]()
        skipWhitespace()
        if current == UInt8(ascii: "}") {
            index += 1
            return .object(members)
        }
        while true {
            skipWhitespace()
            let keyPosition = position
            guard current == UInt8(ascii: "\"") else { throw error("expected a key in double quotes") }
            let key = try parseString()
            guard !members.contains(where: { $0.key == key }) else {
                throw JSONSyntaxError(message: "duplicate key \"\(key)\"", position: keyPosition)
            }
            skipWhitespace()
            guard current == UInt8(ascii: ":") else { throw error("expected ':' after the key \"\(key)\"") }
            index += 1
            skipWhitespace()
            members.append(JSONMember(key: key, keyPosition: keyPosition, value: try parseValue(depth: depth)))
            skipWhitespace()
            switch current {
            case UInt8(ascii: ","): index += 1
            case UInt8(ascii: "}"):
                index += 1
                return .object(members)
            case nil: throw error("unexpected end of file: expected ',' or '}'")
            case let c?: throw error("unexpected character '\(Self.printable(c))': expected ',' or '}'")
            }
        }
    }

    private mutating func parseArray(depth: Int) throws(JSONSyntaxError) -> JSONValue {
        guard depth <= Self.maximumDepth else { throw error("nesting deeper than \(Self.maximumDepth) levels") }
        index += 1
        var elements = [JSONNode]()
        skipWhitespace()
        if current == UInt8(ascii: "]") {
            index += 1
            return .array(elements)
        }
        while true {
            skipWhitespace()
            elements.append(try parseValue(depth: depth))
            skipWhitespace()
            switch current {
            case UInt8(ascii: ","): index += 1
            case UInt8(ascii: "]"):
                index += 1
                return .array(elements)
            case nil: throw error("unexpected end of file: expected ',' or ']'")
            case let c?: throw error("unexpected character '\(Self.printable(c))': expected ',' or ']'")
            }
        }
    }

    private mutating func parseString() throws(JSONSyntaxError) -> String {
        index += 1
        var scalars = String.UnicodeScalarView()
        var raw = [UInt8]()
        func flush() {
            scalars.append(contentsOf: String(decoding: raw, as: UTF8.self).unicodeScalars)
            raw.removeAll()
        }
        while true {
            guard let c = current else { throw error("unexpected end of file inside a string") }
            switch c {
            case UInt8(ascii: "\""):
                index += 1
                flush()
                return String(scalars)
            case UInt8(ascii: "\\"):
                flush()
                index += 1
                scalars.append(try parseEscape())
            case 0..<0x20:
                throw error("control character in a string (write it as an escape, e.g. \\n)")
            default:
                raw.append(c)
                index += 1
            }
        }
    }

    private mutating func parseEscape() throws(JSONSyntaxError) -> Unicode.Scalar {
        guard let c = current else { throw error("unexpected end of file in an escape") }
        index += 1
        switch c {
        case UInt8(ascii: "\""): return "\""
        case UInt8(ascii: "\\"): return "\\"
        case UInt8(ascii: "/"): return "/"
        case UInt8(ascii: "b"): return "\u{08}"
        case UInt8(ascii: "f"): return "\u{0C}"
        case UInt8(ascii: "n"): return "\n"
        case UInt8(ascii: "r"): return "\r"
        case UInt8(ascii: "t"): return "\t"
        case UInt8(ascii: "u"):
            let high = try parseHex4()
            if (0xD800..<0xDC00).contains(high) {
                guard current == UInt8(ascii: "\\"), index + 1 < bytes.count, bytes[index + 1] == UInt8(ascii: "u")
                else {
                    throw error("unpaired UTF-16 surrogate in \\u escape")
                }
                index += 2
                let low = try parseHex4()
                guard (0xDC00..<0xE000).contains(low) else { throw error("invalid UTF-16 surrogate pair") }
                return Unicode.Scalar(0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00)) ?? "\u{FFFD}"
            }
            guard let scalar = Unicode.Scalar(high) else { throw error("unpaired UTF-16 surrogate in \\u escape") }
            return scalar
        default:
            throw error("invalid escape '\\\(Self.printable(c))'")
        }
    }

    private mutating func parseHex4() throws(JSONSyntaxError) -> UInt32 {
        guard index + 4 <= bytes.count,
            let v = UInt32(String(decoding: bytes[index..<(index + 4)], as: UTF8.self), radix: 16)
        else {
            throw error("expected four hex digits after \\u")
        }
        index += 4
        return v
    }

    private mutating func parseNumber() throws(JSONSyntaxError) -> JSONValue {
        let start = index
        func digits() -> Int {
            let from = index
            while let c = current, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(c) { index += 1 }
            return index - from
        }
        if current == UInt8(ascii: "-") { index += 1 }
        let leadingZero = current == UInt8(ascii: "0")
        let integerDigits = digits()
        guard integerDigits > 0 else { throw error("invalid number: expected a digit") }
        guard !(leadingZero && integerDigits > 1) else { throw error("invalid number: leading zeros are not allowed") }
        if current == UInt8(ascii: ".") {
            index += 1
            guard digits() > 0 else { throw error("invalid number: expected a digit after '.'") }
        }
        if current == UInt8(ascii: "e") || current == UInt8(ascii: "E") {
            index += 1
            if current == UInt8(ascii: "+") || current == UInt8(ascii: "-") { index += 1 }
            guard digits() > 0 else { throw error("invalid number: expected a digit in the exponent") }
        }
        let text = String(decoding: bytes[start..<index], as: UTF8.self)
        return .number(Double(text) ?? .nan, text: text)
    }

    private static func printable(_ c: UInt8) -> String {
        c >= 0x20 && c < 0x7F ? String(UnicodeScalar(c)) : "\\x" + (c < 16 ? "0" : "") + String(c, radix: 16)
    }
}

extension JSONNode {
    /// The value as indented JSON text, objects in their stored order.
    package func serialized(indent: String = "") -> String {
        let inner = indent + "  "
        switch value {
        case .null: return "null"
        case .bool(let b): return b ? "true" : "false"
        case .number(_, let text): return text
        case .string(let s): return JSONNode.quoted(s)
        case .array(let elements):
            guard !elements.isEmpty else { return "[]" }
            return "[\n" + elements.map { inner + $0.serialized(indent: inner) }.joined(separator: ",\n") + "\n"
                + indent + "]"
        case .object(let members):
            guard !members.isEmpty else { return "{}" }
            return "{\n"
                + members.map { inner + JSONNode.quoted($0.key) + ": " + $0.value.serialized(indent: inner) }.joined(
                    separator: ",\n") + "\n" + indent + "}"
        }
    }

    /// The value as JSON text on one line, objects in their stored order: `{"depth":[2,4],"width":[64]}`.
    package var compactText: String {
        switch value {
        case .null, .bool, .number, .string: return serialized()
        case .array(let elements): return "[" + elements.map(\.compactText).joined(separator: ",") + "]"
        case .object(let members):
            return "{" + members.map { JSONNode.quoted($0.key) + ":" + $0.value.compactText }.joined(separator: ",")
                + "}"
        }
    }

    /// A JSON string literal.
    static func quoted(_ s: String) -> String {
        var out = "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20:
                out +=
                    "\\u" + String(repeating: "0", count: max(0, 4 - String(scalar.value, radix: 16).count))
                    + String(scalar.value, radix: 16)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }

    /// Builders for writing JSON documents.
    package static func string(_ s: String) -> JSONNode { JSONNode(.string(s)) }
    package static func number(_ d: Double) -> JSONNode { JSONNode(.number(d, text: d.isFinite ? "\(d)" : "null")) }
    package static func integer(_ i: Int) -> JSONNode { JSONNode(.number(Double(i), text: "\(i)")) }
    package static func array(_ nodes: [JSONNode]) -> JSONNode { JSONNode(.array(nodes)) }
    package static func object(_ pairs: [(String, JSONNode)]) -> JSONNode {
        JSONNode(
            .object(pairs.map { JSONMember(key: $0.0, keyPosition: SourcePosition(line: 0, column: 0), value: $0.1) }))
    }
}
