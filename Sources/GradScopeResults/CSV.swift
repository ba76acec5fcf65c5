import GradScopeCore
import Foundation

/// An RFC 4180 table: a header row, then rows of the same width; fields with a
/// comma, quote or line break are quoted, quotes doubled; lines end in CRLF.
/// Rows are encoded into UTF-8 bytes as they are appended.
package struct CSVTable {
    package let header: [String]
    private var bytes: [UInt8] = []

    package init(header: [String]) {
        self.header = header
        bytes.appendCSVLine(header, continuing: false)
    }

    /// Appends one row; `nil` fields are written empty.
    package mutating func append(_ fields: [String?]) {
        precondition(fields.count == header.count, "CSV row has \(fields.count) fields, header has \(header.count)")
        bytes.appendCSVLine(fields, continuing: false)
    }

    /// Appends rows encoded apart (possibly on another core), as if appended one by one.
    package mutating func append(_ rows: CSVRows) {
        precondition(rows.width == header.count, "CSV rows have \(rows.width) fields, header has \(header.count)")
        bytes += rows.bytes
    }

    /// The whole table as UTF-8.
    package var data: Data { Data(bytes) }

    /// Writes the table to `url` atomically (a temporary file renamed into place).
    package func write(to url: URL) throws {
        try data.write(to: url, options: .atomic)
    }

    /// A number in round-trip precision with `.` as decimal separator; empty for nil, NaN or infinity.
    package static func number(_ value: Double?) -> String? {
        guard let value, value.isFinite else { return nil }
        return value == 0 ? "0" : "\(value)"
    }
}

/// Encoded rows of a `CSVTable` that all begin with the same fields (in gradscope's tables: a
/// cell's id and parameters). The shared fields are encoded once, not once per row, and a
/// block of rows can be built on its own core and appended to its table afterwards.
package struct CSVRows: Sendable {
    /// Fields per row, the shared ones included.
    package let width: Int
    private let lead: [UInt8], leadCount: Int
    fileprivate private(set) var bytes: [UInt8] = []

    /// Rows of `width` fields whose first fields are `lead`.
    package init(lead: [String?], width: Int) {
        var encoded = [UInt8]()
        encoded.appendCSVFields(lead, continuing: false)
        (self.lead, leadCount, self.width) = (encoded, lead.count, width)
    }

    /// Appends one row: the shared fields, then `fields` (`nil` written empty).
    package mutating func append(_ fields: [String?]) {
        precondition(
            leadCount + fields.count == width, "CSV row has \(leadCount + fields.count) fields, header has \(width)")
        bytes += lead
        bytes.appendCSVLine(fields, continuing: leadCount > 0)
    }
}

extension [UInt8] {
    /// Appends `fields` and CRLF; `continuing`: the line already holds fields, so a comma comes first.
    fileprivate mutating func appendCSVLine(_ fields: [String?], continuing: Bool) {
        appendCSVFields(fields, continuing: continuing)
        append(contentsOf: [UInt8(ascii: "\r"), UInt8(ascii: "\n")])
    }

    fileprivate mutating func appendCSVFields(_ fields: [String?], continuing: Bool) {
        for (i, field) in fields.enumerated() {
            if i > 0 || continuing { append(UInt8(ascii: ",")) }
            if let field { appendCSVField(field) }
        }
    }

    private mutating func appendCSVField(_ field: String) {
        let utf8 = field.utf8
        guard utf8.contains(where: { $0 == 0x2C || $0 == 0x22 || $0 == 0x0A || $0 == 0x0D }) else {
            append(contentsOf: utf8)
            return
        }
        append(0x22)
        for byte in utf8 {
            append(byte)
            if byte == 0x22 { append(0x22) }
        }
        append(0x22)
    }
}
