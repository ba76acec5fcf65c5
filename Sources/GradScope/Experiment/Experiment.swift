/// One experiment config, loaded and validated: its grid of cells and its seeds.
public struct Experiment: Sendable {
    /// The file it came from (as given on the command line).
    public let file: String
    /// `name`: results go to `<output>/<name>/`.
    public let name: String
    public let description: String
    /// The config as given.
    public let document: JSONNode
    /// The swept keys, in order (the first varies slowest).
    public let axes: [String]
    /// The cartesian product of the axes, in grid order.
    public let cells: [GridCell]
    /// The seeds every cell runs with.
    public let seeds: [Int]

    /// A hash of everything that defines the results (name, cells, seeds), not of the
    /// file's text: reformatting a config or editing its description changes nothing.
    public var configHash: String {
        let canonical = ([name] + cells.map(\.canonical) + [seeds.map(String.init).joined(separator: ",")]).joined(separator: "\n")
        let h = RandomStream.fnv1a(canonical)
        return String(h, radix: 16).leftPadded(to: 16)
    }

    /// The cells of shard `shard` (cells whose index is `shard.index` modulo `shard.count`).
    public func cells(in shard: Shard) -> [GridCell] {
        cells.filter { $0.index % shard.count == shard.index }
    }
}

/// One cell of the grid.
public struct GridCell: Sendable {
    /// Position in grid order, from 0.
    public let index: Int
    /// The short stable id: `c` and 7 hex digits of a hash of the canonical parameters.
    public let id: String
    public let draft: CellDraft

    public var cell: Cell { draft.cell }

    /// `key=value;...` over every parameter: what the id hashes.
    public let canonical: String

    init(index: Int, draft: CellDraft) {
        self.index = index
        self.draft = draft
        canonical = draft.columns.map { "\($0.key)=\($0.value)" }.joined(separator: ";")
        id = "c" + String(RandomStream.fnv1a(canonical) >> 36, radix: 16).leftPadded(to: 7)
    }
}

/// A fixed subset of a grid's cells: `index` of `count` (K/N on the command line).
public struct Shard: Sendable, Equatable, CustomStringConvertible {
    public let index: Int
    public let count: Int

    public static let whole = Shard(index: 0, count: 1)

    public init(index: Int, count: Int) {
        self.index = index
        self.count = count
    }

    /// Parses `K/N` with 0 <= K < N; nil with a reason otherwise.
    public static func parse(_ text: String) -> Result<Shard, ValueMessage> {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let k = Int(parts[0]), let n = Int(parts[1]) else {
            return .failure(ValueMessage("--shard must be K/N, e.g. 0/4; got '\(text)'"))
        }
        guard n >= 1, (0..<n).contains(k) else {
            return .failure(ValueMessage("--shard K/N needs N >= 1 and 0 <= K < N (K counts from 0, as SLURM_ARRAY_TASK_ID with --array=0-\(max(0, n - 1))); got \(text)"))
        }
        return .success(Shard(index: k, count: n))
    }

    public var description: String { "\(index)/\(count)" }
}

/// A message explaining why a value is invalid.
public struct ValueMessage: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}

extension String {
    func leftPadded(to width: Int, with pad: Character = "0") -> String {
        count >= width ? self : String(repeating: pad, count: width - count) + self
    }
}
