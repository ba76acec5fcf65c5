internal import CZlib

// The zlib boundary: the only file where pointers meet zlib.

/// The bytes of a file, gunzipped when it is gzipped (zlib's `gzread` passes other files through unchanged):
/// what a data set's IDX files hold. Throws `DataSetError` naming the file when it cannot be read.
package func fileBytes(atPath path: String) throws(DataSetError) -> [UInt8] {
    guard let file = gzopen(path, "rb") else {
        throw DataSetError(file: path, expected: "a readable file", found: "no file there, or no permission to read it")
    }
    defer { gzclose(file) }
    var bytes = [UInt8]()
    var chunk = [UInt8](repeating: 0, count: 1 << 20)
    while true {
        let read = chunk.withUnsafeMutableBytes { gzread(file, $0.baseAddress, UInt32($0.count)) }
        guard read >= 0 else {
            throw DataSetError(file: path, expected: "a readable gzip or raw file", found: "a damaged gzip stream")
        }
        if read == 0 { break }
        bytes.append(contentsOf: chunk[0..<Int(read)])
    }
    return bytes
}
