extension Network {
    /// Runs the forward and backward pass and records every layer's numbers.
    package func measure() -> RunMeasurement {
        let forwardStatus = forwardDepth >= cell.depth ? .ok : forward(from: 0)
        guard forwardStatus == .ok else { return RunMeasurement(status: forwardStatus, loss: nil, layers: []) }
        var layers = [LayerMeasurement]()
        layers.reserveCapacity(cell.depth)
        var ends = [Int: (squares: [Double], exponent: Int)]()  // ||d_b||^2 of layers L and 1, times 4^-exponent
        let (loss, status) = backward { layer, exponent in
            layers.append(self.measureLayer(layer, exponent: exponent))
            if layer == 1 || layer == self.cell.depth {
                ends[layer] = (self.deltaRowSquares, exponent)
            }
        }
        var result = RunMeasurement.folding(status: status, loss: loss, measuredBackward: layers)
        guard result.status == .ok else { return result }
        if kind.examplesIndependent, cell.depth >= 2, let first = ends[1], let last = ends[cell.depth],
            let moments = RunMeasurement.logRatioMoments(
                first.squares, last.squares,
                offset: 2 * Double(first.exponent - last.exponent) * 0.693_147_180_559_945_3)  // ln 2
        {
            (result.logRatioMean, result.logRatioVariance) = (moments.mean, moments.variance)
        }
        return result
    }

    /// dLoss/dW_l, dLoss/db_l (and b_hn), dLoss/dH_l and, for recurrent cells, dLoss/dx_t and step t's share
    /// of dLoss/dU, of every layer (index l - 1) at their true scale in float64 (values below float64's range
    /// become 0); nil on overflow or NaN. A recurrent cell's parameter gradients are the sums of the shares.
    package func gradients() -> [LayerGradients]? {
        guard forward(from: 0) == .ok else { return nil }
        var result = [LayerGradients]()
        let (_, status) = backward { layer, exponent in
            self.formWeightGradient(layer)
            func unscaled(_ m: Matrix<Scalar>) -> Matrix<Double> {
                var d = m.converted(to: Double.self)
                for i in d.elements.indices { d.elements[i] = Double.scaleNormal(d.elements[i], exponent) }
                return d
            }
            let biases = self.biasGradient(exponent: exponent)
            let count = self.biases[layer - 1].count
            var gradients = LayerGradients(
                weights: unscaled(self.weightGradient), biases: Array(biases.prefix(count)),
                output: unscaled(self.gradient))
            gradients.hiddenBias = Array(biases.dropFirst(count))
            if let share = self.inputWeightShare(layer) {
                self.formInputGradient()
                gradients.input = unscaled(self.inputGradient)
                gradients.inputWeights = unscaled(share)
            }
            result.append(gradients)
        }
        return status == .ok ? result.reversed() : nil
    }

    /// dLoss/db_l (every bias set side by side) at its true scale, zeros where b_l does not reach the loss.
    func biasGradient(exponent: Int) -> [Double] {
        guard kind.biasReachesLoss else { return [Double](repeating: 0, count: biases[0].count + hiddenBias.count) }
        return kind.biasGradient(delta, sums: nil, workspace: workspace).map { Double.scaleNormal($0, exponent) }
    }

    /// Recurrent cells: step t's share x_t^T D_t of dLoss/dU, times 2^-exponent; nil for feedforward networks.
    func inputWeightShare(_ step: Int) -> Matrix<Scalar>? {
        guard let sequence else { return nil }
        var share = Matrix<Scalar>(rows: sequence.weights.rows, columns: delta.columns)
        Scalar.gemm(
            sequence.inputs[step - 1], transposeA: true, delta, transposeB: false, into: &share, alpha: 1, beta: 0)
        return share
    }

    /// weightGradient = input_l^T D_l (true dW_l x 2^-exponent).
    func formWeightGradient(_ layer: Int) { formWeightGradient(layer, into: &weightGradient) }

    /// out = input_l^T D_l (true dW_l x 2^-exponent; D_l what W_l sees), shaped like W_l (allocated if `out`
    /// has another shape).
    func formWeightGradient(_ layer: Int, into out: inout Matrix<Scalar>) {
        let (x, d) = (layerInput(layer), kind.weightDelta(delta, workspace: workspace))
        if out.rows != x.columns || out.columns != d.columns { out = Matrix(rows: x.columns, columns: d.columns) }
        Scalar.gemm(x, transposeA: true, d, transposeB: false, into: &out, alpha: 1, beta: 0)
        kind.weightGradientOrder(&out)
    }

    /// ||dW_l|| x 2^-exponent. When batch < width (float64) it avoids forming dW_l:
    /// ||X^T D||_F^2 = <X X^T, D D^T>_F, two batch x batch Gram matrices (syrk) instead of a
    /// width x width product; otherwise it forms dW_l with one GEMM.
    func weightGradientNorm(_ layer: Int) -> ScaledNorm {
        if Scalar.self == Double.self, kind.weightNormFromGram, batchRows < features, let norm = gramNorm(layer) {
            return norm
        }
        formWeightGradient(layer)
        return ScaledNorm(of: weightGradient.elements)
    }

    /// sqrt(<X X^T, D D^T>) from the upper triangles; nil when it is not a positive finite number.
    private func gramNorm(_ layer: Int) -> ScaledNorm? {
        let b = batchRows
        if inputGram.rows != b { (inputGram, deltaGram) = (Matrix(rows: b, columns: b), Matrix(rows: b, columns: b)) }
        Scalar.gram(layerInput(layer), of: .rows, into: &inputGram)
        Scalar.gram(kind.weightDelta(delta, workspace: workspace), of: .rows, into: &deltaGram)
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

    /// The gradient norms of layer l and its activation statistics; `weightNorm`: ||dW_l|| x 2^-exponent
    /// when the caller has formed dW_l already (training), else it is computed here. The sums of squares of
    /// D_l's rows add up to ||D_l||^2 and give the per-example norms.
    func measureLayer(_ layer: Int, exponent: Int, weightNorm: ScaledNorm? = nil) -> LayerMeasurement {
        let rowSquares = deltaRowSquares
        var total = 0.0
        for square in rowSquares { total += square }
        func scaled(_ norm: ScaledNorm) -> ScaledNorm { norm.scaled(byPowerOfTwo: exponent) }
        // a convolution forms dW_l as the sum of the examples' shares
        let (quantiles, summedWeightNorm) =
            kind.examplesIndependent ? perExampleQuantiles(layer, deltaRowSquares: rowSquares) : ([], nil)
        return LayerMeasurement(
            gradW: scaled(weightNorm ?? summedWeightNorm ?? weightGradientNorm(layer)),
            gradB: kind.biasReachesLoss
                ? scaled(ScaledNorm(of: kind.biasGradient(delta, sums: deltaSums, workspace: workspace)))
                : ScaledNorm(significand: 0),
            gradZ: scaled(ScaledNorm(sumOfSquares: total, of: delta.elements)),
            gradH: scaled(gradientNorm),
            activations: tapes[layer - 1].statistics,
            perExample: quantiles.map(scaled),
            gradX: sequence.map { _ in
                formInputGradient()
                return scaled(ScaledNorm(of: inputGradient.elements))
            },
            gradC: kind.cellStateGradient(workspace).map { scaled(ScaledNorm(of: $0.elements)) },
            correlation: tapes[layer - 1].correlation
        )
    }

    /// The sum of squares of each row of D_l: from the kind's pass when it gave them, else summed here.
    var deltaRowSquares: [Double] {
        deltaSums?.rowSquares ?? Kernels.rowSquares(delta.elements, columns: delta.columns)
    }

    /// Recurrent cells: inputGradient = D_t U^T (true dLoss/dx_t x 2^-exponent).
    func formInputGradient() {
        guard let u = sequence?.weights else { return }
        if inputGradient.rows != delta.rows || inputGradient.columns != u.rows {
            inputGradient = Matrix(rows: delta.rows, columns: u.rows)
        }
        Scalar.gemm(delta, transposeA: false, u, transposeB: true, into: &inputGradient, alpha: 1, beta: 0)
    }

    /// The quantiles 10, 50, 90% over the batch of each example's share ||(dW_l, db_l)||, times 2^-exponent:
    /// the kind's own shares where it has them (a convolution), with ||dW_l|| x 2^-exponent formed from them,
    /// else `outerProductShares` (and nil).
    func perExampleQuantiles(_ layer: Int, deltaRowSquares: [Double]) -> ([ScaledNorm], ScaledNorm?) {
        var shares: [Double]
        var weightNorm: ScaledNorm?
        if let squares = kind.perExampleShareSquares(
            weightInput: layerInput(layer), weightDelta: kind.weightDelta(delta, workspace: workspace),
            weightGradient: &weightGradient)
        {
            shares = squares.map { $0.squareRoot() }
            weightNorm = ScaledNorm(of: weightGradient.elements)
        } else {
            shares = outerProductShares(layer, deltaRowSquares: deltaRowSquares)
        }
        shares.sort()  // in place: one array per layer, not two
        let quantiles = PerExampleQuantile.allCases.map {
            ScaledNorm(significand: Quantile.of(sorted: shares, $0.fraction))
        }
        return (quantiles, weightNorm)
    }

    /// Each example's share from row norms, when the weight input's rows are examples (the outer product
    /// x_b^T d_b has norm ||x_b|| ||d_b||): ||d_b|| sqrt(||x_b||^2 + 1) when the bias sees what W sees, else
    /// sqrt(||d_b||^2 ||x_b||^2 + the biases' squares).
    private func outerProductShares(_ layer: Int, deltaRowSquares: [Double]) -> [Double] {
        let input = layerInput(layer)
        let inputRowSquares = Kernels.rowSquares(input.elements, columns: input.columns)
        guard let biasSquares = kind.perExampleBiasSquares(delta, workspace: workspace) else {
            return zip(deltaRowSquares, inputRowSquares).map { d, x in (d * (x + 1)).squareRoot() }
        }
        let weightDelta = kind.weightDelta(delta, workspace: workspace)
        let weightSide = Kernels.rowSquares(weightDelta.elements, columns: weightDelta.columns)
        return inputRowSquares.indices.map { (weightSide[$0] * inputRowSquares[$0] + biasSquares[$0]).squareRoot() }
    }
}
