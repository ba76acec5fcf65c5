import Foundation

/// An RFC 4180 table: a header row, then rows of the same width; fields with a
/// comma, quote or line break are quoted, quotes doubled; lines end in CRLF.
/// Rows are encoded into UTF-8 bytes as they are appended.
public struct CSVTable {
    public let header: [String]
    private var bytes: [UInt8] = []

    public init(header: [String]) {
        self.header = header
        appendLine(header)
    }

    /// Appends one row; `nil` fields are written empty.
    public mutating func append(_ fields: [String?]) {
        precondition(fields.count == header.count, "CSV row has \(fields.count) fields, header has \(header.count)")
        appendLine(fields)
    }

    /// The whole table as UTF-8.
    public var data: Data { Data(bytes) }

    /// Writes the table to `url` atomically (a temporary file renamed into place).
    public func write(to url: URL) throws {
        try data.write(to: url, options: .atomic)
    }

    private mutating func appendLine(_ fields: [String?]) {
        for (i, field) in fields.enumerated() {
            if i > 0 { bytes.append(UInt8(ascii: ",")) }
            if let field { appendField(field) }
        }
        bytes.append(contentsOf: [UInt8(ascii: "\r"), UInt8(ascii: "\n")])
    }

    private mutating func appendField(_ field: String) {
        let utf8 = field.utf8
        guard utf8.contains(where: { $0 == 0x2C || $0 == 0x22 || $0 == 0x0A || $0 == 0x0D }) else {
            bytes.append(contentsOf: utf8)
            return
        }
        bytes.append(0x22)
        for byte in utf8 {
            bytes.append(byte)
            if byte == 0x22 { bytes.append(0x22) }
        }
        bytes.append(0x22)
    }

    /// A number in round-trip precision with `.` as decimal separator; empty for nil, NaN or infinity.
    public static func number(_ value: Double?) -> String? {
        guard let value, value.isFinite else { return nil }
        return value == 0 ? "0" : "\(value)"
    }
}
