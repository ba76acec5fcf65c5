/// Why a results folder cannot be run, resumed or merged as asked. The library says what is the
/// matter; the command line words it, naming the flag or make target that resolves it.
package enum FolderConflict: Error, Sendable, Equatable {
    /// The folder already holds results of the experiment (neither resume nor force asked for).
    case holdsResults(folder: String, experiment: String)
    /// The config was edited since the folder was written.
    case configChanged(file: String, folder: String)
    /// The folder was computed by another numerics revision (gradscope `version`).
    case otherRevision(folder: String, version: String, revision: Int)
    /// The folder holds another shard than the one asked for.
    case otherShard(folder: String, stored: String, requested: Shard)
    /// Two shards to merge were computed by different numerics revisions.
    case shardRevisions(path: String, revision: Int, firstPath: String, firstRevision: Int)
    /// Shards to merge are different sweeps.
    case otherConfig(path: String, name: String, hash: String, firstPath: String, firstName: String, firstHash: String)
    /// Cells whose runs no shard holds (the first few ids).
    case missingRuns(count: Int, cells: Int, examples: [String])
    /// The merge's output folder exists.
    case outputExists(folder: String)

    /// Whether it is a mistake in the command (exit 2) rather than work left undone (exit 1).
    package var isUsage: Bool {
        if case .missingRuns = self { return false }
        return true
    }
}

/// Runs computed with the kernels of several BLAS cores meet in one results folder: their numbers
/// agree to the tolerance of docs/numerics.md, not to the byte.
package struct MixedBLASCores: Sendable, Equatable {
    package let folder: String
    package let cores: [String]
}
