import Foundation
import GradScopeCore
import GradScopeTestSupport
import Testing

/// The IDX reader against files the test writes, raw and gzipped, and each kind of bad file.
@Suite("IDX data sets")
struct IDXTests {
    /// An IDX file: magic 0x0000 08 d, big-endian sizes, values.
    static func idx(_ sizes: [Int], _ values: [UInt8], magic: [UInt8]? = nil) -> [UInt8] {
        let header = magic ?? [0, 0, 8, UInt8(sizes.count)]
        let words = sizes.flatMap { s in (0..<4).map { UInt8((s >> (8 * (3 - $0))) & 0xff) } }
        return header + words + values
    }

    /// Writes `bytes` into `folder` as `name`, gzipped (by the system's gzip) when the name ends in .gz.
    static func file(_ bytes: [UInt8], _ folder: URL, _ name: String) throws -> String {
        let raw = folder.appendingPathComponent(name.hasSuffix(".gz") ? String(name.dropLast(3)) : name)
        try Data(bytes).write(to: raw)
        guard name.hasSuffix(".gz") else { return raw.path }
        let gzip = Process()
        gzip.executableURL = URL(fileURLWithPath: "/bin/gzip")
        gzip.arguments = ["-f", raw.path]
        try gzip.run()
        gzip.waitUntilExit()
        return raw.path + ".gz"
    }

    /// A 5-image 4 x 4 training split and a 2-image test split, labels 0 ..< 3.
    static func files(_ folder: URL, gzipped: Bool) throws -> DataSetFiles {
        let suffix = gzipped ? ".gz" : ""
        let pixels = (0..<80).map { UInt8(($0 * 37) % 256) }
        return DataSetFiles(
            images: try file(idx([5, 4, 4], pixels), folder, "train-images" + suffix),
            labels: try file(idx([5], [0, 2, 1, 2, 0]), folder, "train-labels" + suffix),
            testImages: try file(idx([2, 4, 4], Array(pixels.prefix(32))), folder, "test-images" + suffix),
            testLabels: try file(idx([2], [1, 2]), folder, "test-labels" + suffix))
    }

    @Test("Every header field read, raw and gzipped: counts, side, pixels, labels, classes")
    func reads() throws {
        for gzipped in [false, true] {
            let folder = try temporaryFolder("idx-\(gzipped)")
            let data = try ImageDataSet(try Self.files(folder, gzipped: gzipped))
            #expect(data.train.count == 5 && data.test.count == 2 && data.train.size == 4)
            #expect(data.train.labels == [0, 2, 1, 2, 0] && data.test.labels == [1, 2] && data.classes == 3)
            #expect(Array(data.train.image(1)) == (16..<32).map { UInt8(($0 * 37) % 256) })
        }
    }

    @Test("Each bad file is one error naming the file, what was expected and what was found")
    func badFiles() throws {
        let folder = try temporaryFolder()
        let good = try Self.files(folder, gzipped: false)
        let pixels = [UInt8](repeating: 7, count: 80)
        let cases: [(String, [UInt8], (inout DataSetFiles, String) -> Void, String)] = [
            ("magic", Self.idx([5, 4, 4], pixels, magic: [0, 0, 9, 3]), { $0.images = $1 }, "0x903"),
            ("dimensions", Self.idx([5, 16], pixels), { $0.images = $1 }, "0x802"),
            ("truncated", Array(Self.idx([5, 4, 4], pixels).dropLast()), { $0.images = $1 }, "truncated"),
            ("overlong", Self.idx([5, 4, 4], pixels + [1]), { $0.images = $1 }, "overlong"),
            ("count", Self.idx([4], [0, 1, 2, 0]), { $0.labels = $1 }, "5 labels"),
            ("label", Self.idx([2], [1, 7]), { $0.testLabels = $1 }, "the label 7"),
            ("short", [0, 0], { $0.images = $1 }, "2 bytes"),
        ]
        for (name, bytes, place, words) in cases {
            var files = good
            let path = try Self.file(bytes, folder, name)
            place(&files, path)
            #expect(throws: DataSetError.self) { try ImageDataSet(files) }
            do {
                _ = try ImageDataSet(files)
            } catch {
                #expect(error.file == path, "\(name)")
                #expect(error.description.contains(words), "\(name): \(error)")
            }
        }
        var missing = good
        missing.labels = folder.appendingPathComponent("nothing").path
        #expect(
            throws: DataSetError(
                file: missing.labels, expected: "a readable file",
                found: "no file there, or no permission to read it")
        ) { try ImageDataSet(missing) }
    }

    @Test("Block averaging is the mean of each block's pixels / 255 (a naive loop); sizes that do not divide fail")
    func blockAveraging() throws {
        let image = (0..<36).map { UInt8(($0 * 53 + 11) % 256) }
        for n in [1, 2, 3, 6] {
            let averaged = ImageInputs.averaged(image[...], from: 6, to: n)
            let f = 6 / n
            for y in 0..<n {
                for x in 0..<n {
                    var sum = 0.0
                    for dy in 0..<f { for dx in 0..<f { sum += Double(image[(y * f + dy) * 6 + x * f + dx]) } }
                    #expect(abs(averaged[y * n + x] - sum / Double(f * f) / 255) < 1e-15)
                }
            }
        }
        let folder = try temporaryFolder()
        let data = try ImageDataSet(try Self.files(folder, gzipped: false))
        #expect(ImageInputs(data, size: 3) == nil)
        let inputs = try #require(ImageInputs(data, size: 2))
        // standardised over every averaged training pixel: the whole training set has mean 0 and std 1
        let x = inputs.batch(data.train, indices: Array(0..<5), inputStd: 1, shape: FeatureShape(channels: 4))
        let mean = x.elements.reduce(0, +) / Double(x.elements.count)
        let variance = x.elements.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(x.elements.count)
        #expect(abs(mean) < 1e-12 && abs(variance - 1) < 1e-12)
        let order = inputs.shuffledTraining(seed: 3)
        #expect(order.sorted() == Array(0..<5) && order == inputs.shuffledTraining(seed: 3))
    }
}

/// The installed Debian package `dataset-fashion-mnist` (`make setup` installs it).
@Suite("Fashion-MNIST from Debian")
struct FashionMNISTTests {
    @Test(
        "60,000 and 10,000 images of 28 x 28, 6,000 and 1,000 of each of 10 labels; the standardisation's mean and std")
    func installed() throws {
        let data = try ImageDataSet.loaded(.fashionMNIST)
        #expect(data.train.count == 60_000 && data.test.count == 10_000 && data.train.size == 28)
        #expect(data.classes == 10)
        for label in 0..<10 {
            #expect(data.train.labels.filter { $0 == label }.count == 6_000)
            #expect(data.test.labels.filter { $0 == label }.count == 1_000)
        }
        // the all-pixel mean and std of the training images, by a plain loop over the bytes
        var sum = 0.0, squares = 0.0
        for byte in data.train.pixels { sum += Double(byte) / 255 }
        let mean = sum / Double(data.train.pixels.count)
        for byte in data.train.pixels { squares += (Double(byte) / 255 - mean) * (Double(byte) / 255 - mean) }
        let std = (squares / Double(data.train.pixels.count)).squareRoot()
        let inputs = try #require(ImageInputs(data, size: 28))
        #expect(abs(inputs.mean - mean) < 1e-12 && abs(inputs.std - std) < 1e-12)
        #expect(abs(mean - 0.2860) < 1e-4 && abs(std - 0.3530) < 1e-4)  // the values torchvision users quote
        let half = try #require(ImageInputs(data, size: 14))
        #expect(abs(half.mean - mean) < 1e-10)  // averaging keeps the mean (47 million sums apart)
        #expect(half.std < std)
    }
}

/// `input`: the images a network reads at initialisation.
extension FashionMNISTTests {
    @Test(
        "A network on fashion_mnist reads the first batch images of its seed's shuffle, standardised, with their labels"
    )
    func networkInputs() throws {
        for layer in LayerType.allCases {
            var cell = tinyCell(.relu, .crossEntropy, .plain, width: 4, batch: 6, depth: 2)
            (cell.input, cell.imageSize, cell.layer, cell.classes) = (.fashionMNIST, 7, layer, 10)
            cell.inputStd = 0.5
            try cell.validate()
            let network = try makeNetwork(cell, seed: 9)
            let images = try #require(try cell.input.inputs(size: 7))
            let indices = Array(images.shuffledTraining(seed: 9).prefix(6))
            let expected = images.batch(
                images.data.train, indices: indices, inputStd: 0.5, shape: FeatureShape(channels: 49))
            #expect(network.input.columns == 49 && network.input.elements == expected.elements, "\(layer)")
            #expect(network.objective.labels == indices.map { images.data.train.labels[$0] })
            #expect(network.weights[0].rows == (layer == .conv ? 9 : 49))  // c_0 = 1 grey channel
            #expect(network.measure().status == .ok)
            #expect(cell.inputFeatures == (layer == .conv ? 1 : 49))
            // a residual stream keeps its width: the image in channel 0 (conv) or the first 49 features (dense)
            (cell.architecture, cell.width) = (.residual, layer == .conv ? 4 : 64)
            try cell.validate()
            let residual = try makeNetwork(cell, seed: 9)
            let features = layer == .conv ? 4 * 49 : 64, stride = layer == .conv ? 4 : 1
            #expect(residual.input.columns == features)
            for row in 0..<6 {
                for j in 0..<features {
                    let value = residual.input.elements[row * features + j]
                    let pixel = j % stride == 0 && j / stride < 49 ? expected.elements[row * 49 + j / stride] : 0
                    #expect(value == pixel, "\(layer) row \(row) feature \(j)")
                }
            }
            #expect(residual.measure().status == .ok)
            cell.width = 48
            if layer == .dense { #expect(throws: ParameterError.self) { try cell.validate() } }
        }
    }

    @Test("input errors: an image_size that does not divide 28, keys the data sets, a recurrent cell, a missing file")
    func inputErrors() throws {
        var cell = Cell()
        (cell.input, cell.imageSize) = (.fashionMNIST, 5)
        #expect(throws: ParameterError.self) { try cell.validate() }
        do { try cell.validate() } catch {
            #expect(error.key == "image_size" && error.message.contains("1, 2, 4, 7, 14, 28"))
        }
        for change in [
            { (c: inout Cell) in c.inputSize = 4 }, { $0.inputCorrelation = 0.5 }, { $0.architecture = .rnn },
        ] {
            var bad = Cell()
            bad.input = .fashionMNIST
            change(&bad)
            #expect(throws: ParameterError.self) { try bad.validate() }
        }
        var missing = Cell()
        let files = DataSetFiles(images: "/nonexistent/a", labels: "/nonexistent/b", testImages: "/x", testLabels: "/y")
        missing.input = .dataSet(name: "idx", files: files)
        do {
            try missing.validate()
            Issue.record("a missing file validated")
        } catch {
            #expect(error.key == "input" && error.message.contains("/nonexistent/a"), "\(error)")
        }
    }
}
