import Foundation
import Synchronization

extension Array where Element: Sendable {
    /// `map(transform)` with the elements spread over the machine's cores (`concurrentPerform`:
    /// each thread takes the next element when it is free); results in the array's order.
    /// Throws the error of the first element that failed (in the array's order).
    package func concurrentMap<T: Sendable, E: Error>(_ transform: @Sendable (Element) throws(E) -> T) throws(E) -> [T]
    {
        let results = Mutex([Result<T, E>?](repeating: nil, count: count))
        DispatchQueue.concurrentPerform(iterations: count) { i in
            let result = Result { () throws(E) -> T in try transform(self[i]) }
            results.withLock { $0[i] = result }
        }
        var mapped = [T]()
        mapped.reserveCapacity(count)
        for result in results.withLock({ $0 }) {
            if let result { mapped.append(try result.get()) }
        }
        return mapped
    }
}
