import Foundation
import GradScopeCore
import GradScopeResults
import GradScopeTestSupport
import Testing

@Suite("CSV encoding")
struct CSVTests {
    @Test("RFC 4180: commas, quotes and line breaks quoted, quotes doubled, nil empty, UTF-8, CRLF line ends")
    func rfc4180() {
        var table = CSVTable(header: ["plain", "comma", "quote", "lines", "empty", "text"])
        table.append(["1.5e-07", "a,b", "say \"hi\"", "one\r\ntwo\nthree", nil, "σ_w² = 2"])
        table.append([
            CSVTable.number(0), CSVTable.number(-0.1), CSVTable.number(.infinity), CSVTable.number(.nan),
            CSVTable.number(nil), "",
        ])
        let expected =
            "plain,comma,quote,lines,empty,text\r\n"
            + "1.5e-07,\"a,b\",\"say \"\"hi\"\"\",\"one\r\ntwo\nthree\",,σ_w² = 2\r\n"
            + "0,-0.1,,,,\r\n"
        #expect(table.data == Data(expected.utf8))
    }

    @Test("Rows encoded in blocks with shared leading fields are the bytes of rows appended one by one")
    func blocks() {
        let header = ["cell", "note", "seed", "value"]
        let rows: [[String?]] = [["c1", "a,b", "0", "1.5"], ["c1", "a,b", "1", nil], ["c2", nil, "0", "say \"x\""]]
        var whole = CSVTable(header: header)
        for row in rows { whole.append(row) }
        var joined = CSVTable(header: header)
        var first = CSVRows(lead: ["c1", "a,b"], width: 4), second = CSVRows(lead: ["c2", nil], width: 4)
        first.append(["0", "1.5"])
        first.append(["1", nil])
        second.append(["0", "say \"x\""])
        joined.append(first)
        joined.append(second)
        #expect(joined.data == whole.data)
        var unled = CSVTable(header: ["x", "y"]), block = CSVRows(lead: [], width: 2)
        block.append(["1", "2"])
        unled.append(block)
        #expect(unled.data == Data("x,y\r\n1,2\r\n".utf8))
    }

    @Test("Numbers read back as the same float64")
    func roundTrip() {
        for value in [0.1, 1e-300, 123456789.123456789, -2.5e300, 5e-324, Double.pi] {
            let text = CSVTable.number(value)
            #expect(text.flatMap(Double.init) == value, "\(value) -> \(text ?? "nil")")
        }
    }
}
