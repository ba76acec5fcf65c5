/// A data set's images as a network reads them (SPEC "Inputs from a data set"): pixels / 255, shrunk to
/// `size` x `size` by exact block averaging (a divisor of the data's size), standardised by the mean and
/// standard deviation over all pixels of the training images as averaged, then times `input_std`.
package struct ImageInputs: Sendable {
    package let data: ImageDataSet
    /// The side the network reads, n.
    package let size: Int
    /// The mean and (population) standard deviation over every averaged training pixel, in [0, 1] units.
    package let mean: Double, std: Double

    /// The inputs of `data` at side `size`; nil when `size` does not divide the data's side.
    package init?(_ data: ImageDataSet, size: Int) {
        guard size > 0, data.train.size % size == 0 else { return nil }
        (self.data, self.size) = (data, size)
        var sum = 0.0, squares = 0.0
        for index in 0..<data.train.count {
            for value in Self.averaged(data.train.image(index), from: data.train.size, to: size) { sum += value }
        }
        let count = Double(data.train.count * size * size)
        mean = sum / count
        for index in 0..<data.train.count {
            for value in Self.averaged(data.train.image(index), from: data.train.size, to: size) {
                squares += (value - mean) * (value - mean)
            }
        }
        std = (squares / count).squareRoot()
    }

    /// One image's pixels / 255 averaged over blocks of (side / n)^2: out[y, x] = the mean of the block's
    /// pixels, row-major.
    package static func averaged(_ image: ArraySlice<UInt8>, from side: Int, to n: Int) -> [Double] {
        let factor = side / n, start = image.startIndex
        let scale = 1 / (255 * Double(factor * factor))
        var out = [Double](repeating: 0, count: n * n)
        for y in 0..<side {
            for x in 0..<side { out[(y / factor) * n + x / factor] += Double(image[start + y * side + x]) }
        }
        for i in out.indices { out[i] *= scale }
        return out
    }

    /// The rows of `indices` of `split` (training or test), standardised and times `inputStd`, one image per row
    /// in the layout of `shape`, what layer 1 reads: n^2 features (a plain dense net's flattened input, a plain
    /// conv net's 1 x n x n map), or a residual stream's wider H_0 with the image in its first n^2 features
    /// (dense) or in channel 0 of c (conv, position-major), the rest 0: the zero-padded identity shortcut of
    /// He et al. 2016 (option A), so that the stream keeps its width.
    package func batch(_ split: ImageSplit, indices: [Int], inputStd: Double, shape: FeatureShape) -> Matrix<Double> {
        let n2 = size * size, features = shape.count
        let stride = shape.height == size ? shape.channels : 1  // a map's channels per position; dense: 1
        var x = Matrix<Double>(rows: indices.count, columns: features)
        for (row, index) in indices.enumerated() {
            let pixels = Self.averaged(split.image(index), from: split.size, to: size)
            for j in 0..<n2 { x.elements[row * features + j * stride] = (pixels[j] - mean) / std * inputStd }
        }
        return x
    }

    /// The training images in the order of `seed`'s shuffle (Fisher-Yates on the seed's own stream): the
    /// measured batch is its first `batch`, so cells that share seed and batch see the same images.
    package func shuffledTraining(seed: Int) -> [Int] {
        var order = Array(0..<data.train.count)
        let draws = RandomStream(seed: seed, purpose: "images.shuffle", order.count).uniform(count: order.count)
        for i in stride(from: order.count - 1, to: 0, by: -1) {
            let j = min(i, Int(draws[i] * Double(i + 1)))
            order.swapAt(i, j)
        }
        return order
    }
}
