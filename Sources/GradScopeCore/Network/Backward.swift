extension Network {
    /// The backward pass after `forward(from: 0)`: G_L = dLoss/dH_L, then for l = L ... 1 the block
    /// gives D_l from G_l, and G_{l-1} from D_l and G_l (plain: D_l = G_l * phi'(Z_l), G_{l-1} = D_l W_l^T).
    ///
    /// To stay in range at any depth, G is multiplied by a power of two after each
    /// layer so that its norm lies in [1, 2); the true G_l and D_l are the stored
    /// `gradient` and `delta` times 2^exponent. `visit(l, exponent)` is called for each
    /// layer while `gradient` and `delta` hold that layer's G_l and D_l.
    func backward(_ visit: (_ layer: Int, _ exponent: Int) -> Void) -> (loss: Double, status: RunStatus) {
        let depth = cell.depth
        var (loss, outputGradient) = objective.evaluate(output: hidden[depth].converted(to: Double.self))
        var (exponent, _, status) = Kernels.normalize(&outputGradient.elements)
        guard status == .ok, loss.isFinite else { return (loss, status == .ok ? .overflow : status) }
        gradient = outputGradient.converted(to: Scalar.self)
        gradientNorm = ScaledNorm(of: gradient.elements)
        for layer in stride(from: depth, through: 1, by: -1) {
            deltaSums = block.delta(gradient: gradient, tape: tapes[layer - 1], into: &delta)
            visit(layer, exponent)
            guard layer > 1 else { break }
            block.propagate(
                delta: delta, gradient: gradient, weights: weights[layer - 1], tape: tapes[layer - 1], into: &scratch)
            swap(&gradient, &scratch)
            var shift: Int
            (shift, gradientNorm, status) = Kernels.normalize(&gradient.elements)
            // a product of finite factors that the kernel spelt as inf or NaN: recompute it in range
            if status != .ok {
                swap(&gradient, &scratch)  // G_l back in `gradient` for the recomputation
                let rescue: Int
                (rescue, status) = backwardProductInRange(layer)
                guard status == .ok else { return (loss, status) }
                swap(&gradient, &scratch)
                (shift, gradientNorm, status) = Kernels.normalize(&gradient.elements)
                guard status == .ok else { return (loss, status) }
                shift += rescue
            }
            exponent += shift
        }
        return (loss, .ok)
    }

    /// weightGradient = input_l^T D_l (true dW_l x 2^-exponent).
    func formWeightGradient(_ layer: Int) { formWeightGradient(layer, into: &weightGradient) }

    /// out = input_l^T D_l (true dW_l x 2^-exponent), width x width (allocated if `out` has another shape).
    func formWeightGradient(_ layer: Int, into out: inout Matrix<Scalar>) {
        if out.rows != cell.width || out.columns != cell.width { out = Matrix(rows: cell.width, columns: cell.width) }
        Scalar.gemm(layerInput(layer), transposeA: true, delta, transposeB: false, into: &out, alpha: 1, beta: 0)
    }

    /// ||dW_l|| x 2^-exponent. When batch < width (float64) it avoids forming dW_l:
    /// ||X^T D||_F^2 = <X X^T, D D^T>_F, two batch x batch Gram matrices (syrk) instead of a
    /// width x width product; otherwise it forms dW_l with one GEMM.
    func weightGradientNorm(_ layer: Int) -> ScaledNorm {
        if Scalar.self == Double.self, batchRows < cell.width, let norm = gramNorm(layer) { return norm }
        formWeightGradient(layer)
        return ScaledNorm(of: weightGradient.elements)
    }

    /// sqrt(<X X^T, D D^T>) from the upper triangles; nil when it is not a positive finite number.
    private func gramNorm(_ layer: Int) -> ScaledNorm? {
        let b = batchRows
        if inputGram.rows != b { (inputGram, deltaGram) = (Matrix(rows: b, columns: b), Matrix(rows: b, columns: b)) }
        Scalar.gram(layerInput(layer), of: .rows, into: &inputGram)
        Scalar.gram(delta, of: .rows, into: &deltaGram)
        var sum = 0.0
        for i in 0..<b {
            let row = i * b
            sum += Double(inputGram.elements[row + i]) * Double(deltaGram.elements[row + i])
            var off = 0.0
            for j in (i + 1)..<b { off += Double(inputGram.elements[row + j]) * Double(deltaGram.elements[row + j]) }
            sum += 2 * off
        }
        guard sum > 0, sum.isFinite else { return nil }
        return ScaledNorm(significand: sum.squareRoot())
    }

    /// The four gradient norms of layer l and its activation statistics; `weightNorm`: ||dW_l|| x 2^-exponent
    /// when the caller has formed dW_l already (training), else it is computed here. The sums of squares of
    /// D_l's rows add up to ||D_l||^2 and give the per-example norms.
    func measureLayer(_ layer: Int, exponent: Int, weightNorm: ScaledNorm? = nil) -> LayerMeasurement {
        let rowSquares = deltaRowSquares
        var total = 0.0
        for square in rowSquares { total += square }
        return LayerMeasurement(
            gradW: (weightNorm ?? weightGradientNorm(layer)).scaled(byPowerOfTwo: exponent),
            gradB: block.biasReachesLoss
                ? ScaledNorm(of: deltaSums?.columnSums ?? delta.columnSums).scaled(byPowerOfTwo: exponent)
                : ScaledNorm(significand: 0),
            gradZ: ScaledNorm(sumOfSquares: total, of: delta.elements).scaled(byPowerOfTwo: exponent),
            gradH: gradientNorm.scaled(byPowerOfTwo: exponent),
            activations: tapes[layer - 1].statistics,
            perExample: block.examplesIndependent
                ? perExampleQuantiles(layer, deltaRowSquares: rowSquares).map { $0.scaled(byPowerOfTwo: exponent) }
                : [],
            gradX: sequence.map { _ in
                formInputGradient()
                return ScaledNorm(of: inputGradient.elements).scaled(byPowerOfTwo: exponent)
            },
            correlation: tapes[layer - 1].correlation
        )
    }

    /// The sum of squares of each row of D_l: from the block's pass when it gave them, else summed here.
    var deltaRowSquares: [Double] { deltaSums?.rowSquares ?? Kernels.rowSquares(delta.elements, columns: cell.width) }

    /// Recurrent cells: inputGradient = D_t U^T (true dLoss/dx_t x 2^-exponent).
    func formInputGradient() {
        guard let u = sequence?.weights else { return }
        if inputGradient.rows != delta.rows || inputGradient.columns != u.rows {
            inputGradient = Matrix(rows: delta.rows, columns: u.rows)
        }
        Scalar.gemm(delta, transposeA: false, u, transposeB: true, into: &inputGradient, alpha: 1, beta: 0)
    }

    /// The quantiles 10, 50, 90% of ||d_b|| sqrt(||x_b||^2 + 1) over the batch, from row norms only
    /// (the outer product x_b^T d_b has norm ||x_b|| ||d_b||), times 2^-exponent like `delta`.
    func perExampleQuantiles(_ layer: Int, deltaRowSquares: [Double]) -> [ScaledNorm] {
        let inputRowSquares = Kernels.rowSquares(layerInput(layer).elements, columns: cell.width)
        var shares = zip(deltaRowSquares, inputRowSquares).map { d, x in (d * (x + 1)).squareRoot() }
        shares.sort()  // in place: one array per layer, not two
        return PerExampleQuantile.allCases.map { ScaledNorm(significand: Quantile.of(sorted: shares, $0.fraction)) }
    }
}
