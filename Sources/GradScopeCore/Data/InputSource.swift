import Synchronization

/// Where a network's inputs come from (`input`): Gaussian draws (`input_std`, `input_correlation`), or the
/// training images of a data set in the IDX format: Fashion-MNIST from Debian, or any set by its four paths.
package enum InputSource: Hashable, Sendable {
    case gaussian
    /// `name` is how the config names it (`fashion_mnist`, or `idx` for files given by path).
    case dataSet(name: String, files: DataSetFiles)

    /// Fashion-MNIST (`"input": "fashion_mnist"`).
    package static let fashionMNIST = InputSource.dataSet(name: "fashion_mnist", files: .fashionMNIST)

    /// The data set's files; nil for Gaussian inputs.
    package var files: DataSetFiles? {
        guard case .dataSet(_, let files) = self else { return nil }
        return files
    }

    /// The default side n: 16 for Gaussian maps, the data's own (28 for Fashion-MNIST; 28 for a set that
    /// cannot be read, whose error `Cell.validate` reports).
    package var side: Int {
        guard let files else { return 16 }
        return (try? ImageDataSet.loaded(files))?.train.size ?? 28
    }

    /// The CSV column: `gaussian`, `fashion_mnist`, or `idx(images=...,labels=...,test_images=...,test_labels=...)`.
    package var text: String {
        switch self {
        case .gaussian: return "gaussian"
        case .dataSet(let name, let files):
            guard name == "idx" else { return name }
            return "idx(images=\(files.images),labels=\(files.labels),test_images=\(files.testImages),"
                + "test_labels=\(files.testLabels))"
        }
    }

    /// The images as a network of side `size` reads them, read and standardised once per process.
    package func inputs(size: Int) throws(ParameterError) -> ImageInputs? {
        guard let files else { return nil }
        let data: ImageDataSet
        do { data = try ImageDataSet.loaded(files) } catch {
            let install =
                files == .fashionMNIST
                ? "; install the Debian package \(DataSetFiles.fashionMNISTPackage) (`make setup` installs it)" : ""
            throw ParameterError(key: "input", message: "\(error)\(install)")
        }
        if let kept = Self.kept.withLock({ $0[Key(files: files, size: size)] }) { return kept }
        guard let made = ImageInputs(data, size: size) else {
            let divisors = (1...data.train.size).filter { data.train.size % $0 == 0 }.map(String.init)
            throw ParameterError(
                key: "image_size",
                message: "must divide the data's side \(data.train.size) (exact block averaging); valid: "
                    + divisors.joined(separator: ", ") + "; got \(size)")
        }
        Self.kept.withLock { $0[Key(files: files, size: size)] = made }
        return made
    }

    private struct Key: Hashable { let files: DataSetFiles, size: Int }
    private static let kept = Mutex<[Key: ImageInputs]>([:])
}
