import Foundation

/// Human-readable quantities for messages.
package enum Format {
    /// 1536 -> "1.5 KiB".
    package static func bytes(_ b: Double) -> String {
        let units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"]
        var value = b, unit = 0
        while value >= 1024, unit < units.count - 1 {
            value /= 1024
            unit += 1
        }
        return unit == 0 ? "\(Int(value)) B" : String(format: "%.1f", value) + " " + units[unit]
    }

    /// Seconds as "1:05:07", "4:32" or "12 s".
    package static func duration(_ seconds: Double) -> String {
        guard seconds.isFinite, seconds >= 0 else { return "?" }
        let s = Int(seconds.rounded())
        if s < 60 { return "\(s) s" }
        let (h, m, r) = (s / 3600, (s / 60) % 60, s % 60)
        return h > 0 ? String(format: "%d:%02d:%02d", h, m, r) : String(format: "%d:%02d", m, r)
    }
}

extension Format {
    /// 1048576 -> "1,048,576".
    package static func count(_ n: Int) -> String {
        let digits = String(n.magnitude)
        var groups = [Substring](), end = digits.endIndex
        while end > digits.startIndex {
            let start = digits.index(end, offsetBy: -3, limitedBy: digits.startIndex) ?? digits.startIndex
            groups.insert(digits[start..<end], at: 0)
            end = start
        }
        return (n < 0 ? "-" : "") + groups.joined(separator: ",")
    }
}

/// How many runs a sweep runs at a time when `--jobs` is not given.
package enum Schedule {
    /// One run per core, as many as there are weight families to share out (a family runs on one
    /// thread, with one weight cache) and as fit in `memory` beside each other; at least 1. The cores
    /// left over, and those freed as the last families finish, go to the runs' matrix products
    /// (`BLASLibrary.threadsPerRun`): a product split over column panels on two threads is slower than
    /// two runs side by side, each on one (docs/performance.md), so runs come first.
    package static func jobs(families: Int, cores: Int, runBytes: Double, memory: Double?) -> Int {
        var jobs = max(1, min(cores, families))
        if let memory, runBytes > 0 { jobs = min(jobs, max(1, Int(memory / runBytes))) }
        return jobs
    }
}
