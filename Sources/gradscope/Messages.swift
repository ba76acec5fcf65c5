import GradScopeCore
import GradScopeSweep

/// The words of the library's typed conditions, naming the flags and make targets that resolve them.
extension FolderConflict: CustomStringConvertible {
    package var description: String {
        switch self {
        case .holdsResults(let folder, let experiment):
            return
                "\(folder) already holds results of \(experiment); use --resume to finish it or --force to start afresh"
        case .configChanged(let file, let folder):
            return
                "\(file) has changed since \(folder) was written; rerun with --force to start that experiment afresh "
                + "(make sweep FORCE=1)"
        case .otherRevision(let folder, let version, let revision):
            return "\(folder) was computed by gradscope \(version) (numerics revision \(revision)); this gradscope "
                + "\(gradscopeVersion) computes revision \(numericsRevision), whose numbers differ in their last "
                + "digits, "
                + "and one table must not mix the two; rerun with --force to start that experiment afresh (make "
                + "sweep FORCE=1)"
        case .otherShard(let folder, let stored, let requested):
            return "\(folder) holds shard \(stored), not \(requested); use the same --shard or another --output"
        case .shardRevisions(let path, let revision, let firstPath, let firstRevision):
            return
                "\(path) was computed with numerics revision \(revision), \(firstPath) with revision \(firstRevision): "
                + "their numbers differ in the last digits; rerun the older shards with --force and merge again"
        case .otherConfig(let path, let name, let hash, let firstPath, let firstName, let firstHash):
            return "\(path) holds results of a different config (\(name), \(hash)) than \(firstPath) (\(firstName), "
                + "\(firstHash)); merge only shards of one sweep"
        case .missingRuns(let count, let cells, let examples):
            let names = examples.joined(separator: ", ") + (count > examples.count ? ", ..." : "")
            return "\(count) of \(cells) cells have missing runs (\(names)); finish their shards (run them again with "
                + "--resume) and merge again"
        case .outputExists(let folder):
            return "\(folder) already exists; use --force to replace it"
        }
    }
}

extension MixedBLASCores: CustomStringConvertible {
    package var description: String {
        "warning: runs computed with the OpenBLAS kernels of \(cores.joined(separator: " and ")) meet in \(folder): "
            + "kernels round differently, so its numbers agree with a run on one machine to the tolerance that "
            + "docs/numerics.md states (1e-9 relative in float64, 1e-5 in float32, on the reference sweep), not to the "
            + "byte; for byte-identical files run the whole sweep on machines of one kind (--force)"
    }
}
