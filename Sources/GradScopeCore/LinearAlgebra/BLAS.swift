internal import CBLAS
import Dispatch
import Synchronization
import RealModule

// The BLAS and LAPACK boundary: the only file where pointers meet C.
// Each routine is wrapped once, generically, and instantiated for Float and Double.

extension Double: BLASScalar {
    package static func gemm(
        _ a: Matrix<Double>, transposeA: Bool, _ b: Matrix<Double>, transposeB: Bool,
        into c: inout Matrix<Double>, alpha: Double, beta: Double
    ) {
        callGEMM(cblas_dgemm, RowBlock(a), transposeA, RowBlock(b), transposeB, &c, alpha, beta)
    }

    package static func gemm(
        _ a: RowBlock<Double>, transposeA: Bool, _ b: RowBlock<Double>, transposeB: Bool,
        into c: inout Matrix<Double>, alpha: Double, beta: Double
    ) {
        callGEMM(cblas_dgemm, a, transposeA, b, transposeB, &c, alpha, beta)
    }

    package static func qr(_ a: Matrix<Double>) throws(LAPACKError) -> (q: Matrix<Double>, rDiagonal: [Double]) {
        try callQR(
            a, factor: (LAPACKE_dgeqrf_work, "LAPACKE_dgeqrf_work"),
            expand: (LAPACKE_dorgqr_work, "LAPACKE_dorgqr_work"))
    }

    package static func singularValues(_ a: Matrix<Double>) throws(LAPACKError) -> [Double] {
        try callSingularValues(a, LAPACKE_dgesdd, "LAPACKE_dgesdd")
    }

    /// Q = H_1 ... H_n, its first n columns in column-major order (m x n), from the Householder vectors
    /// v_k stored below the diagonal of the column-major m x n `reflectors` (LAPACK's layout: v_k(k) = 1
    /// implied, the diagonal and above ignored) and their `tau` (H_k = I - tau_k v_k v_k^T). From n =
    /// `householderBlock` + 1 on, formed in blocks of that many reflectors from the last to the first: Q
    /// starts as [I_n; 0], and each block's compact-WY form I - V T V^T is applied to Q's rows and columns
    /// from the block on, T^{-1} from V's Gram matrix (dsyrk) and the rest by dgemm and dtrsm (level 3).
    /// Narrower Q come from dorgqr itself, which forms them column by column and is faster there.
    package static func householderProduct(
        _ reflectors: consuming [Double], rows m: Int, columns n: Int, tau: [Double]
    )
        throws(LAPACKError) -> [Double]
    {
        guard n > householderBlock, !tau.contains(0) else {  // a zero tau (H_k = I) has no T^{-1}
            return try callORGQR(
                reflectors, rows: m, columns: n, tau: tau, (LAPACKE_dorgqr_work, "LAPACKE_dorgqr_work"))
        }
        return try callBlockedHouseholderProduct(reflectors, rows: m, columns: n, tau: tau)
    }

    /// The reflectors per block of `householderProduct`: 64 was the fastest of 64-256 at widths 256-1024
    /// (one core of an AMD Zen 3; docs/performance.md).
    package static let householderBlock = 64

    package static func gram(_ a: Matrix<Double>, of vectors: GramVectors, into c: inout Matrix<Double>) {
        callSYRK(cblas_dsyrk, a, vectors, &c)
    }
}

extension Float: BLASScalar {
    package static func gemm(
        _ a: Matrix<Float>, transposeA: Bool, _ b: Matrix<Float>, transposeB: Bool,
        into c: inout Matrix<Float>, alpha: Float, beta: Float
    ) {
        callGEMM(cblas_sgemm, RowBlock(a), transposeA, RowBlock(b), transposeB, &c, alpha, beta)
    }

    package static func gemm(
        _ a: RowBlock<Float>, transposeA: Bool, _ b: RowBlock<Float>, transposeB: Bool,
        into c: inout Matrix<Float>, alpha: Float, beta: Float
    ) {
        callGEMM(cblas_sgemm, a, transposeA, b, transposeB, &c, alpha, beta)
    }

    package static func qr(_ a: Matrix<Float>) throws(LAPACKError) -> (q: Matrix<Float>, rDiagonal: [Float]) {
        try callQR(
            a, factor: (LAPACKE_sgeqrf_work, "LAPACKE_sgeqrf_work"),
            expand: (LAPACKE_sorgqr_work, "LAPACKE_sorgqr_work"))
    }

    package static func singularValues(_ a: Matrix<Float>) throws(LAPACKError) -> [Float] {
        try callSingularValues(a, LAPACKE_sgesdd, "LAPACKE_sgesdd")
    }

    package static func gram(_ a: Matrix<Float>, of vectors: GramVectors, into c: inout Matrix<Float>) {
        callSYRK(cblas_ssyrk, a, vectors, &c)
    }
}

/// The BLAS library in use, and how many threads one run's matrix products use.
///
/// OpenBLAS's own threading is switched off: its results depend on its thread
/// count in the last bits (edge kernels, threaded reductions inside LAPACK), which
/// would make a sweep's CSV depend on `--jobs`. Instead gradscope splits every large
/// product into fixed column panels, each one single-threaded BLAS call, and runs
/// the panels on `threadsPerRun` threads: the same bits for any thread count.
///
/// The threads are shared out as the sweep goes: a budget of threads (the cores) divided by the
/// runs in flight, so that when a sweep's last families run alone (or a sweep has one family)
/// their products use the cores the finished ones left.
package enum BLASLibrary {
    /// Columns of C per panel of a split GEMM (fixed: it defines the rounding).
    package static let panelColumns = 256

    /// Threads one run's GEMMs use now: the budget over the runs in flight (at least 1).
    package static var threadsPerRun: Int {
        let (budget, workers) = (threadBudget.load(ordering: .relaxed), activeWorkers.load(ordering: .relaxed))
        return max(1, budget / max(1, workers))
    }

    private static let threadBudget = Atomic<Int>(1)
    private static let activeWorkers = Atomic<Int>(0)

    /// Sets OpenBLAS to one thread and the threads all runs' GEMMs may use together to `threads`.
    /// Call at start-up, before any BLAS call runs.
    package static func configure(threads: Int) {
        precondition(threads >= 1, "threads must be at least 1, got \(threads)")
        openblas_set_num_threads(1)
        threadBudget.store(threads, ordering: .relaxed)
    }

    /// Runs `body` as one of the sweep's workers: while it runs, the thread budget is shared with it.
    package static func asWorker<T>(_ body: () throws -> T) rethrows -> T {
        activeWorkers.add(1, ordering: .relaxed)
        defer { activeWorkers.subtract(1, ordering: .relaxed) }
        return try body()
    }

    /// OpenBLAS's build description (`openblas_get_config()`), e.g. "OpenBLAS 0.3.21 DYNAMIC_ARCH ...".
    package static var configuration: String {
        guard let text = openblas_get_config() else { return "unknown" }
        return String(cString: text)
    }

    /// The kernel set in use (`openblas_get_corename()`): OpenBLAS's choice for this processor, or the one
    /// `OPENBLAS_CORETYPE` named when the library loaded.
    package static var coreName: String {
        guard let text = openblas_get_corename() else { return "unknown" }
        return String(cString: text)
    }

    /// The core in use, who chose it and why. The command line records its `BLASCoreDecision` here at
    /// start; a process that made none (the tests) reports OpenBLAS's own choice.
    package static var coreChoice: BLASCoreChoice {
        get {
            recordedChoice.withLock { $0 }
                ?? BLASCoreChoice(
                    core: coreName, libraryCore: coreName, chosenBy: .openblas,
                    reason: "OpenBLAS's own choice; this process made none")
        }
        set { recordedChoice.withLock { $0 = newValue } }
    }

    private static let recordedChoice = Mutex<BLASCoreChoice?>(nil)
}

// MARK: - Generic wrappers around the C routines

private typealias GEMMRoutine<S> = (
    CBLAS_ORDER, CBLAS_TRANSPOSE, CBLAS_TRANSPOSE, Int32, Int32, Int32,
    S, UnsafePointer<S>?, Int32, UnsafePointer<S>?, Int32, S, UnsafeMutablePointer<S>?, Int32
) -> Void

private func callGEMM<S: BLASScalar>(
    _ routine: @escaping GEMMRoutine<S>, _ a: RowBlock<S>, _ transposeA: Bool, _ b: RowBlock<S>, _ transposeB: Bool,
    _ c: inout Matrix<S>, _ alpha: S, _ beta: S
) {
    let (m, n, k) = gemmShape(a, transposeA, b, transposeB, c)
    guard m > 0, n > 0 else { return }
    if k == 0 {  // BLAS leaves C untouched when k = 0 only if beta = 1; make beta C explicit.
        c.elements = c.elements.map { beta == 0 ? 0 : beta * $0 }
        return
    }
    let lda = Int32(max(1, a.columns)), ldb = Int32(max(1, b.columns)), ldc = Int32(max(1, c.columns))
    let panel = BLASLibrary.panelColumns
    let panels = (Int(n) + panel - 1) / panel
    let workers = min(BLASLibrary.threadsPerRun, panels)
    a.matrix.elements.withUnsafeBufferPointer { pa in
        b.matrix.elements.withUnsafeBufferPointer { pb in
            c.elements.withUnsafeMutableBufferPointer { pc in
                // Columns [j0, j1) of C need columns [j0, j1) of op(B): an offset into B
                // (rows of B when it is transposed) and into C, same leading dimensions.
                nonisolated(unsafe) let (baseA, baseB, baseC) = (
                    pa.baseAddress.map { $0 + a.offset }, pb.baseAddress.map { $0 + b.offset }, pc.baseAddress
                )
                nonisolated(unsafe) let routine = routine
                let computePanel: @Sendable (Int) -> Void = { index in
                    let j0 = index * panel, width = Int32(min(Int(n) - j0, panel))
                    let offsetB = transposeB ? j0 * Int(ldb) : j0
                    routine(
                        CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
                        m, width, k, alpha, baseA, lda, baseB.map { $0 + offsetB }, ldb, beta, baseC.map { $0 + j0 },
                        ldc)
                }
                if workers <= 1 {
                    for index in 0..<panels { computePanel(index) }
                } else {
                    DispatchQueue.concurrentPerform(iterations: workers) { worker in
                        for index in stride(from: worker, to: panels, by: workers) { computePanel(index) }
                    }
                }
            }
        }
    }
}

extension BLASScalar {
    /// Each move's rows x columns block of `a` copied into `b` (a convolution's im2col), after every block's
    /// extent has been checked against both arrays: one `memmove` per row of contiguous entries.
    package static func move(_ moves: [BlockMove], from a: [Self], into b: inout [Self]) {
        for move in moves where move.rows > 0 && move.columns > 0 {
            precondition(
                move.source >= 0 && move.destination >= 0
                    && move.source + (move.rows - 1) * move.sourceStride + move.columns <= a.count
                    && move.destination + (move.rows - 1) * move.destinationStride + move.columns <= b.count,
                "a block move reaches past its matrix")
        }
        a.withUnsafeBufferPointer { pa in
            b.withUnsafeMutableBufferPointer { pb in
                guard let baseA = pa.baseAddress, let baseB = pb.baseAddress else { return }
                for move in moves where move.columns > 0 {
                    for row in 0..<move.rows {
                        (baseB + move.destination + row * move.destinationStride).update(
                            from: baseA + move.source + row * move.sourceStride, count: move.columns)
                    }
                }
            }
        }
    }
}

private typealias SYRKRoutine<S> = (
    CBLAS_ORDER, CBLAS_UPLO, CBLAS_TRANSPOSE, Int32, Int32, S, UnsafePointer<S>?, Int32, S, UnsafeMutablePointer<S>?,
    Int32
) -> Void

private func callSYRK<S: BLASScalar>(
    _ routine: SYRKRoutine<S>, _ a: Matrix<S>, _ vectors: GramVectors, _ c: inout Matrix<S>
) {
    let (k, n) = vectors == .columns ? (a.rows, a.columns) : (a.columns, a.rows)
    precondition(c.rows == n && c.columns == n, "gram: C is \(c.rows) x \(c.columns), expected \(n) x \(n)")
    precondition(n <= Int(Int32.max) && k <= Int(Int32.max), "gram: dimension exceeds 32-bit BLAS")
    guard n > 0 else { return }
    a.elements.withUnsafeBufferPointer { pa in
        c.elements.withUnsafeMutableBufferPointer { pc in
            routine(
                CblasRowMajor, CblasUpper, vectors == .columns ? CblasTrans : CblasNoTrans, Int32(n), Int32(k), 1,
                pa.baseAddress, Int32(max(1, a.columns)), 0, pc.baseAddress, Int32(n))
        }
    }
}

private typealias GEQRFRoutine<S> = (
    Int32, Int32, Int32, UnsafeMutablePointer<S>?, Int32, UnsafeMutablePointer<S>?,
    UnsafeMutablePointer<S>?, Int32
) -> Int32
private typealias ORGQRRoutine<S> = (
    Int32, Int32, Int32, Int32, UnsafeMutablePointer<S>?, Int32, UnsafePointer<S>?,
    UnsafeMutablePointer<S>?, Int32
) -> Int32

/// QR through the `_work` routines: LAPACKE's plain ones scan A for NaN (our A is drawn, never
/// NaN) and allocate their workspace on every call. The workspace is the size LAPACK asks for
/// (a query with lwork = -1), as LAPACKE's plain routines give it, so the blocking and the bits
/// are theirs.
private func callQR<S: BLASScalar>(
    _ a: Matrix<S>, factor: (GEQRFRoutine<S>, String), expand: (ORGQRRoutine<S>, String)
) throws(LAPACKError) -> (q: Matrix<S>, rDiagonal: [S]) {
    let (m, n) = (a.rows, a.columns)
    precondition(m >= n && n >= 1, "qr: needs rows >= columns >= 1, got \(m) x \(n)")
    precondition(m <= Int(Int32.max), "qr: dimension exceeds 32-bit LAPACK")
    // LAPACKE's row-major path would copy A to column-major and back around each of the two
    // calls, in unblocked loops; one tiled transpose each way does the same copies once.
    var q = a.transposed
    var tau = [S](repeating: 0, count: n)
    var diagonal = [S](repeating: 0, count: n)
    let info: (Int32, String) = q.elements.withUnsafeMutableBufferPointer { pq in
        tau.withUnsafeMutableBufferPointer { pt in
            let (rows, lda) = (Int32(m), Int32(m))
            var sizes: (S, S) = (0, 0)
            let queried = (
                factor.0(LAPACK_COL_MAJOR, rows, Int32(n), pq.baseAddress, lda, pt.baseAddress, &sizes.0, -1),
                expand.0(LAPACK_COL_MAJOR, rows, Int32(n), Int32(n), pq.baseAddress, lda, pt.baseAddress, &sizes.1, -1)
            )
            guard queried.0 == 0 else { return (queried.0, factor.1) }
            guard queried.1 == 0 else { return (queried.1, expand.1) }
            let length = Int32(max(1, Int(sizes.0), Int(sizes.1)))
            var work = [S](repeating: 0, count: Int(length))
            return work.withUnsafeMutableBufferPointer { pw in
                let factored = factor.0(
                    LAPACK_COL_MAJOR, rows, Int32(n), pq.baseAddress, lda, pt.baseAddress, pw.baseAddress, length)
                guard factored == 0 else { return (factored, factor.1) }
                for j in 0..<n { diagonal[j] = pq[j * m + j] }
                let expanded = expand.0(
                    LAPACK_COL_MAJOR, rows, Int32(n), Int32(n), pq.baseAddress, lda, pt.baseAddress, pw.baseAddress,
                    length)
                return (expanded, expand.1)
            }
        }
    }
    guard info.0 == 0 else { throw LAPACKError(routine: info.1, info: info.0) }
    return (q.transposed, diagonal)
}

/// Q = H_1 ... H_n from given reflectors, a block of `Double.householderBlock` at a time from the last.
/// Each block's H_j ... H_{j+b-1} = I - V T V^T is applied to C = Q[j..<m, j..<n] with T^{-1} =
/// diag(1 / tau) + striu(V^T V), exact for any tau (the inverse of dlarft's recurrence for T; Joffrain
/// et al. 2006), so that T costs one dsyrk: W = V^T C (C's first b columns are still [I; 0], and its
/// first b rows are 0 beyond them), W <- T W by solving T^{-1} W' = W (dtrsm), C <- C - V W' (dgemm).
/// V is the reflectors with their unit diagonal and zeros above it written in. Every tau must be nonzero
/// (`householderProduct` sends the probability-zero H_k = I to dorgqr).
private func callBlockedHouseholderProduct(_ reflectors: consuming [Double], rows m: Int, columns n: Int, tau: [Double])
    throws(LAPACKError) -> [Double]
{
    precondition(m >= n && n >= 1 && reflectors.count == m * n && tau.count == n, "householder: bad shapes")
    precondition(m <= Int(Int32.max), "householder: dimension exceeds 32-bit LAPACK")
    precondition(!tau.contains(0), "householder: a zero tau has no T^{-1}")
    let block = Double.householderBlock
    for j in 0..<n {
        for i in 0..<j { reflectors[j * m + i] = 0 }
        reflectors[j * m + j] = 1
    }
    var q = [Double](repeating: 0, count: m * n)
    for j in 0..<n { q[j * m + j] = 1 }
    // T^{-1} (block x block) and then W (block x n), one allocation
    var scratch = [Double](repeating: 0, count: block * block + n * block)
    reflectors.withUnsafeBufferPointer { pv in
        q.withUnsafeMutableBufferPointer { pq in
            scratch.withUnsafeMutableBufferPointer { ps in
                guard let v = pv.baseAddress, let c = pq.baseAddress, let t = ps.baseAddress else { return }
                let w = t + block * block
                for start in stride(from: ((n - 1) / block) * block, through: 0, by: -block) {
                    let (b, corner) = (min(block, n - start), start * m + start)
                    let (rows, columns, ld) = (Int32(m - start), Int32(n - start), Int32(m))
                    cblas_dsyrk(
                        CblasColMajor, CblasUpper, CblasTrans, Int32(b), rows, 1, v + corner, ld, 0, t, Int32(block))
                    for i in 0..<b {
                        t[i * block + i] = 1 / tau[start + i]
                        for k in 0..<b { w[k * b + i] = v[corner + i * m + k] }  // V^T [I; 0] = V_1^T
                    }
                    if n - start > b {  // V^T C beyond the block's own columns: only C's rows from b on are nonzero
                        cblas_dgemm(
                            CblasColMajor, CblasTrans, CblasNoTrans, Int32(b), columns - Int32(b), rows - Int32(b), 1,
                            v + corner + b, ld, c + corner + b * m + b, ld, 0, w + b * b, Int32(b))
                    }
                    cblas_dtrsm(
                        CblasColMajor, CblasLeft, CblasUpper, CblasNoTrans, CblasNonUnit, Int32(b), columns, 1, t,
                        Int32(block), w, Int32(b))
                    cblas_dgemm(
                        CblasColMajor, CblasNoTrans, CblasNoTrans, rows, columns, Int32(b), -1, v + corner, ld, w,
                        Int32(b), 1, c + corner, ld)
                }
            }
        }
    }
    return q
}

/// Q from given reflectors through dorgqr's `_work` routine, with the workspace LAPACK asks for.
private func callORGQR<S: BLASScalar>(
    _ reflectors: [S], rows m: Int, columns n: Int, tau: [S], _ expand: (ORGQRRoutine<S>, String)
) throws(LAPACKError) -> [S] {
    precondition(m >= n && n >= 1 && reflectors.count == m * n && tau.count == n, "orgqr: bad shapes")
    precondition(m <= Int(Int32.max), "orgqr: dimension exceeds 32-bit LAPACK")
    var q = reflectors
    var tau = tau
    let info: Int32 = q.withUnsafeMutableBufferPointer { pq in
        tau.withUnsafeMutableBufferPointer { pt in
            let (rows, lda) = (Int32(m), Int32(m))
            var size: S = 0
            let queried = expand.0(
                LAPACK_COL_MAJOR, rows, Int32(n), Int32(n), pq.baseAddress, lda, pt.baseAddress, &size, -1)
            guard queried == 0 else { return queried }
            let length = Int32(max(1, Int(size)))
            var work = [S](repeating: 0, count: Int(length))
            return work.withUnsafeMutableBufferPointer { pw in
                expand.0(
                    LAPACK_COL_MAJOR, rows, Int32(n), Int32(n), pq.baseAddress, lda, pt.baseAddress, pw.baseAddress,
                    length)
            }
        }
    }
    guard info == 0 else { throw LAPACKError(routine: expand.1, info: info) }
    return q
}

private typealias GESDDRoutine<S> = (
    Int32, CChar, Int32, Int32, UnsafeMutablePointer<S>?, Int32, UnsafeMutablePointer<S>?,
    UnsafeMutablePointer<S>?, Int32, UnsafeMutablePointer<S>?, Int32
) -> Int32

private func callSingularValues<S: BLASScalar>(
    _ a: Matrix<S>, _ routine: GESDDRoutine<S>, _ name: String
) throws(LAPACKError) -> [S] {
    let (m, n) = (a.rows, a.columns)
    guard m > 0, n > 0 else { return [] }
    precondition(m <= Int(Int32.max) && n <= Int(Int32.max), "singularValues: dimension exceeds 32-bit LAPACK")
    var work = a.elements
    var values = [S](repeating: 0, count: min(m, n))
    var unused: [S] = [0]
    // Row-major A is column-major A^T (n x m, leading dimension n): same singular values,
    // and LAPACKE's column-major path needs no transpose copies and accepts ldu = ldvt = 1.
    let info = work.withUnsafeMutableBufferPointer { pa in
        values.withUnsafeMutableBufferPointer { ps in
            unused.withUnsafeMutableBufferPointer { pu in
                routine(
                    LAPACK_COL_MAJOR, CChar(UInt8(ascii: "N")), Int32(n), Int32(m), pa.baseAddress, Int32(n),
                    ps.baseAddress, pu.baseAddress, 1, pu.baseAddress, 1)
            }
        }
    }
    guard info == 0 else { throw LAPACKError(routine: name, info: info) }
    return values
}
