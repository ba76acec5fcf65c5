import Synchronization

/// Where a data set's four IDX files are: its training and test images and labels (gzipped or not).
package struct DataSetFiles: Hashable, Sendable {
    package var images: String
    package var labels: String
    package var testImages: String
    package var testLabels: String

    package init(images: String, labels: String, testImages: String, testLabels: String) {
        (self.images, self.labels, self.testImages, self.testLabels) = (images, labels, testImages, testLabels)
    }

    /// Fashion-MNIST (Xiao, Rasul & Vollgraf 2017) as the Debian package `dataset-fashion-mnist` installs it.
    package static let fashionMNIST = DataSetFiles(
        images: "/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz",
        labels: "/usr/share/datasets/fashion-mnist/train-labels-idx1-ubyte.gz",
        testImages: "/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz",
        testLabels: "/usr/share/datasets/fashion-mnist/t10k-labels-idx1-ubyte.gz")

    /// The Debian package that installs `fashionMNIST`, named in the error when it is missing.
    package static let fashionMNISTPackage = "dataset-fashion-mnist"
}

/// The images of one split with their labels: `count` grey images of `size` x `size` bytes, row-major.
package struct ImageSplit: Sendable {
    package let count: Int
    package let size: Int
    package let pixels: [UInt8]
    package let labels: [Int]

    /// Image `index`'s pixels.
    package func image(_ index: Int) -> ArraySlice<UInt8> {
        pixels[(index * size * size)..<((index + 1) * size * size)]
    }
}

/// A labelled image data set in the IDX format: a training and a test split of square grey images of one
/// size, and labels 0 ..< classes (classes = the largest training label + 1).
package struct ImageDataSet: Sendable {
    package let train: ImageSplit
    package let test: ImageSplit
    package let classes: Int

    /// Reads and checks the four files: 3-dimensional images, square and of one size in both splits, as many
    /// labels as images, every test label among the training labels' classes.
    package init(_ files: DataSetFiles) throws(DataSetError) {
        let train = try Self.split(images: files.images, labels: files.labels)
        let classes = (train.labels.max() ?? 0) + 1
        let test = try Self.split(images: files.testImages, labels: files.testLabels)
        guard test.size == train.size else {
            throw DataSetError(
                file: files.testImages, expected: "images of \(train.size) x \(train.size) as in \(files.images)",
                found: "\(test.size) x \(test.size)")
        }
        if let label = test.labels.first(where: { $0 >= classes }) {
            throw DataSetError(
                file: files.testLabels, expected: "labels 0 ..< \(classes) (the training labels' classes)",
                found: "the label \(label)")
        }
        (self.train, self.test, self.classes) = (train, test, classes)
    }

    private static func split(images: String, labels: String) throws(DataSetError) -> ImageSplit {
        let (sizes, pixels) = try IDX.read(images, dimensions: 3)
        guard sizes[1] == sizes[2], sizes[1] > 0 else {
            throw DataSetError(file: images, expected: "square images", found: "\(sizes[1]) x \(sizes[2])")
        }
        let (labelSizes, labelBytes) = try IDX.read(labels, dimensions: 1)
        guard labelSizes[0] == sizes[0] else {
            throw DataSetError(
                file: labels, expected: "\(sizes[0]) labels, one per image of \(images)", found: "\(labelSizes[0])")
        }
        return ImageSplit(count: sizes[0], size: sizes[1], pixels: pixels, labels: labelBytes.map { Int($0) })
    }
}

extension ImageDataSet {
    /// The data set of `files`, read once per process and kept (a sweep's cells share it).
    package static func loaded(_ files: DataSetFiles) throws(DataSetError) -> ImageDataSet {
        if let kept = cache.withLock({ $0[files] }) { return kept }
        let read = try ImageDataSet(files)
        cache.withLock { $0[files] = read }
        return read
    }

    private static let cache = Mutex<[DataSetFiles: ImageDataSet]>([:])
}
