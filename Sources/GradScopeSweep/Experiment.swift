import GradScopeCore
import GradScopeResults
/// One experiment config, loaded and validated: its grid of cells and its seeds.
package struct Experiment: Sendable {
    /// The file it came from (as given on the command line).
    package let file: String
    /// `name`: results go to `<output>/<name>/`.
    package let name: String
    package let description: String
    /// The config as given.
    package let document: JSONNode
    /// The swept keys, in order (the first varies slowest).
    package let axes: [String]
    /// The cartesian product of the axes, in grid order.
    package let cells: [GridCell]
    /// The seeds every cell runs with.
    package let seeds: [Int]

    /// The config's `expect` blocks (checked when it was loaded): what `gradscope check` compares.
    package var expectations: [Expectation] { document["expect"].flatMap { try? Expectation.read($0) } ?? [] }

    /// A hash of everything that defines the results (name, cells, seeds), not of the
    /// file's text: reformatting a config or editing its description changes nothing.
    package var configHash: String {
        let canonical = ([name] + cells.map(\.canonical) + [seeds.map(String.init).joined(separator: ",")]).joined(
            separator: "\n")
        let h = RandomStream.fnv1a(canonical)
        return String(h, radix: 16).leftPadded(to: 16)
    }

    /// The cells of shard `shard` (cells whose index is `shard.index` modulo `shard.count`).
    package func cells(in shard: Shard) -> [GridCell] {
        cells.filter { $0.index % shard.count == shard.index }
    }
}

/// One cell of the grid.
package struct GridCell: Sendable {
    /// Position in grid order, from 0.
    package let index: Int
    /// The short stable id of the CSV files' `cell` column (see `CellID`).
    package let id: CellID
    package let draft: CellDraft

    package var cell: Cell { draft.cell }

    /// `key=value;...` over every parameter: what the id hashes.
    package let canonical: String

    init(index: Int, draft: CellDraft, canonical: String, id: CellID) {
        (self.index, self.draft, self.canonical, self.id) = (index, draft, canonical, id)
    }

    /// `key=value;...` of a draft's identity columns.
    static func canonical(_ draft: CellDraft) -> String {
        draft.identityColumns.map { "\($0.key)=\($0.value)" }.joined(separator: ";")
    }
}

/// A cell's id: `c` and ten base-32 digits (`0-9` and `a-z` without `i`, `l`, `o`, `u`: Crockford's
/// alphabet, lower case) of a 64-bit hash of its canonical parameters, e.g. `c7k2m9x0qad`.
///
/// Short, stable (it depends on the cell's parameters only) and read by no spreadsheet as a number
/// or a date (it starts with a letter and holds no separator). Distinct within a grid by construction:
/// 50 bits make a clash among 100,000 cells a chance of about 4e-6, and `assign` gives a clashing cell
/// (the later one in grid order) the hash of its parameters with a salt, the first free one.
package struct CellID: Hashable, Sendable, Comparable, CustomStringConvertible {
    package let description: String

    /// Crockford's base-32 digits, lower case.
    private static let digits = Array("0123456789abcdefghjkmnpqrstvwxyz")

    /// The id of `canonical` with `salt` (0: none), from the top `bits` bits of its hash (bits <= 60, a multiple of 5).
    package init(canonical: String, salt: Int = 0, bits: Int = 50) {
        let text = salt == 0 ? canonical : canonical + "#\(salt)"
        var hash = RandomStream.mix(RandomStream.fnv1a(text)) >> UInt64(64 - bits)
        var characters = [Character](repeating: "0", count: bits / 5)
        for i in characters.indices.reversed() {
            characters[i] = Self.digits[Int(hash & 31)]
            hash >>= 5
        }
        description = "c" + String(characters)
    }

    /// Ids for `canonicals` in grid order, all distinct: each its own hash unless an earlier one holds it.
    package static func assign(_ canonicals: [String], bits: Int = 50) -> [CellID] {
        var taken = Set<CellID>()
        taken.reserveCapacity(canonicals.count)
        return canonicals.map { canonical in
            var salt = 0, id = CellID(canonical: canonical, bits: bits)
            while !taken.insert(id).inserted {
                salt += 1
                id = CellID(canonical: canonical, salt: salt, bits: bits)
            }
            return id
        }
    }

    package static func < (a: CellID, b: CellID) -> Bool { a.description < b.description }
}

/// A fixed subset of a grid's cells: `index` of `count` (K/N on the command line).
package struct Shard: Sendable, Equatable, CustomStringConvertible {
    package let index: Int
    package let count: Int

    package static let whole = Shard(index: 0, count: 1)

    package init(index: Int, count: Int) {
        self.index = index
        self.count = count
    }

    /// Parses `K/N` with 0 <= K < N; nil with a reason otherwise.
    package static func parse(_ text: String) -> Result<Shard, ValueMessage> {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let k = Int(parts[0]), let n = Int(parts[1]) else {
            return .failure(ValueMessage("a shard is K/N, e.g. 0/4; got '\(text)'"))
        }
        guard n >= 1, (0..<n).contains(k) else {
            return .failure(
                ValueMessage(
                    "a shard K/N needs N >= 1 and 0 <= K < N (K counts from 0, as SLURM_ARRAY_TASK_ID in an array "
                        + "0-\(max(0, n - 1))); got \(text)"
                ))
        }
        return .success(Shard(index: k, count: n))
    }

    package var description: String { "\(index)/\(count)" }
}

/// A message explaining why a value is invalid.
package struct ValueMessage: Error, CustomStringConvertible, Sendable {
    package let description: String
    package init(_ description: String) { self.description = description }
}

extension String {
    func leftPadded(to width: Int, with pad: Character = "0") -> String {
        count >= width ? self : String(repeating: pad, count: width - count) + self
    }
}
