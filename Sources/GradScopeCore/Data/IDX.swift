/// A data set that cannot be read: the file, what was expected and what was found there.
package struct DataSetError: Error, CustomStringConvertible, Equatable, Sendable {
    package let file: String
    package let expected: String
    package let found: String

    package init(file: String, expected: String, found: String) {
        (self.file, self.expected, self.found) = (file, expected, found)
    }

    package var description: String { "\(file): expected \(expected), found \(found)" }
}

/// The IDX format of MNIST and its kin (LeCun et al.): a big-endian magic 0x00 0x00 type d (type 0x08,
/// unsigned bytes; d dimensions), d big-endian 32-bit sizes, then the values in row-major order.
enum IDX {
    /// The magic of an IDX file of unsigned bytes with `dimensions` dimensions: 0x0803 images, 0x0801 labels.
    static func magic(dimensions: Int) -> UInt32 { 0x0800 | UInt32(dimensions) }

    /// The sizes and values of the IDX file at `path` (gzipped or not), which must hold unsigned bytes in
    /// `dimensions` dimensions; every header field is checked against the file's length.
    static func read(_ path: String, dimensions: Int) throws(DataSetError) -> (sizes: [Int], values: [UInt8]) {
        let bytes = try fileBytes(atPath: path)
        return try parse(bytes, file: path, dimensions: dimensions)
    }

    /// `read`'s parsing of the file's bytes.
    static func parse(_ bytes: [UInt8], file: String, dimensions: Int) throws(DataSetError) -> (
        sizes: [Int], values: [UInt8]
    ) {
        let kind = dimensions == 3 ? "images" : "labels"
        let wanted = String(magic(dimensions: dimensions), radix: 16)
        guard bytes.count >= 4 else {
            throw DataSetError(file: file, expected: "an IDX file of \(kind)", found: "\(bytes.count) bytes")
        }
        let magic = word(bytes, at: 0)
        guard magic == self.magic(dimensions: dimensions) else {
            throw DataSetError(
                file: file,
                expected: "the IDX magic 0x0000\(wanted) (\(kind): unsigned bytes, \(dimensions) "
                    + "dimensions)", found: "0x" + String(magic, radix: 16))
        }
        let header = 4 + 4 * dimensions
        guard bytes.count >= header else {
            throw DataSetError(
                file: file, expected: "a header of \(header) bytes", found: "a file of \(bytes.count) bytes")
        }
        let sizes = (0..<dimensions).map { Int(word(bytes, at: 4 + 4 * $0)) }
        let count = sizes.reduce(1, *)
        guard bytes.count - header == count else {
            throw DataSetError(
                file: file,
                expected: "\(count) values after the header (\(sizes.map(String.init).joined(separator: " x ")))",
                found: "\(bytes.count - header) (\(bytes.count - header < count ? "truncated" : "overlong"))")
        }
        return (sizes, Array(bytes[header...]))
    }

    /// The big-endian 32-bit word at `offset`.
    private static func word(_ bytes: [UInt8], at offset: Int) -> UInt32 {
        (0..<4).reduce(0) { $0 << 8 | UInt32(bytes[offset + $1]) }
    }
}
