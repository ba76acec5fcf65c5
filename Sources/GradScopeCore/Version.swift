/// gradscope's version, as printed by `gradscope --version` and stored in manifests.
package let gradscopeVersion = "0.2.0"

/// Which arithmetic produced a results folder's numbers. It changes whenever the same config and
/// seed would give other numbers (other random draws, or the same passes rounded differently), so
/// that `--resume` and `merge` never mix runs of two revisions in one table. Revision 1 (gradscope
/// 0.1) is what a folder that does not record one holds.
package let numericsRevision = 6
