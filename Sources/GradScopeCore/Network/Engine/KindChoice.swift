/// Code that runs on the network of one cell, whatever its layer kind: `Cell.openKind` calls `run` with
/// the kind the cell's architecture chooses, in the user's precision, so that the engine is specialised
/// for the kind (no dispatch per layer).
package protocol KindUser {
    associatedtype Scalar: BLASScalar
    associatedtype Result
    associatedtype Failure: Error = any Error
    func run<Kind: LayerKind>(_ kind: Kind.Type) throws(Failure) -> Result where Kind.Scalar == Scalar
}

extension Cell {
    /// The one place where an architecture chooses its layer kind.
    package func openKind<User: KindUser>(_ user: User) throws(User.Failure) -> User.Result {
        typealias S = User.Scalar
        // a plain or residual block reads its weights densely or by convolution (`Connectivity`); the
        // recurrent kinds refuse conv layers (`Cell.validate`)
        switch architecture {
        case .plain, .rnn: return try user.run(PlainLayer<S>.self)
        case .residual: return try user.run(ResidualLayer<S>.self)
        case .lstm: return try user.run(LSTMStep<S>.self)
        case .gru: return try user.run(GRUStep<S>.self)
        }
    }
}

/// A network of `cell` for `seed` in `Scalar`, of the cell's kind, as finite differences and tests see it.
package func makeNetwork<Scalar: BLASScalar>(
    _ cell: Cell, seed: Int, cache: WeightCache? = nil, _: Scalar.Type = Double.self
) throws -> any NetworkAccess<Scalar> {
    try cell.openKind(NetworkMaker<Scalar>(cell: cell, seed: seed, cache: cache))
}

/// `makeNetwork`'s kind user.
private struct NetworkMaker<Scalar: BLASScalar>: KindUser {
    let cell: Cell, seed: Int, cache: WeightCache?
    func run<Kind: LayerKind>(_ kind: Kind.Type) throws -> any NetworkAccess<Scalar> where Kind.Scalar == Scalar {
        try Network<Kind>(cell: cell, seed: seed, cache: cache)
    }
}
