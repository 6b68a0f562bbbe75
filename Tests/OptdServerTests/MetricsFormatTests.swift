import Dispatch
@testable import HTTP1
import Testing
@testable import OptdServer

/// The exposition details a scraper depends on: bucket edges (`le` is "less than or equal"),
/// label escaping, number spelling, and counts that add up under concurrent updates.
struct MetricsFormatTests {
    @Test func aDurationOnABoundLandsInThatBucket() {
        let layout = HistogramBuckets([0.001, 0.01])
        #expect(layout.index(of: 0) == 0)
        #expect(layout.index(of: 1_000_000) == 0, "1 ms ≤ le=0.001")
        #expect(layout.index(of: 1_000_001) == 1)
        #expect(layout.index(of: 10_000_000) == 1)
        #expect(layout.index(of: 10_000_001) == 2, "beyond the last bound: +Inf")
    }

    @Test func histogramLinesAreCumulativeAndEndAtInf() {
        let layout = HistogramBuckets([0.001, 0.01])
        var counts = HistogramCounts(layout)
        for ns: UInt64 in [500_000, 2_000_000, 3_000_000, 50_000_000] { counts.observe(ns, layout) }
        var page = PrometheusText()
        page.histogram("h", labels: [("route", "/x")], counts, layout)
        #expect(page.text == """
            h_bucket{route="/x",le="0.001"} 1
            h_bucket{route="/x",le="0.01"} 3
            h_bucket{route="/x",le="+Inf"} 4
            h_sum{route="/x"} 0.0555
            h_count{route="/x"} 4

            """)
    }

    @Test func labelValuesAndHelpAreEscaped() {
        var page = PrometheusText()
        page.family("m", type: "counter", help: "a \\ b\nc")
        page.sample("m", labels: [("l", "q\"b\\s\nn")], 1 as UInt64)
        #expect(page.text == "# HELP m a \\\\ b\\nc\n# TYPE m counter\nm{l=\"q\\\"b\\\\s\\nn\"} 1\n")
    }

    @Test func numbersAreSpelledForPrometheus() {
        #expect(PrometheusText.number(12) == "12")
        #expect(PrometheusText.number(0.00025) == "0.00025")
        #expect(PrometheusText.number(.infinity) == "+Inf")
        #expect(PrometheusText.number(-.infinity) == "-Inf")
        #expect(PrometheusText.number(.nan) == "NaN")
        #expect(Double(PrometheusText.number(1e-05)) == 1e-05)
    }

    @Test func concurrentObservationsAreAllCounted() {
        let metrics = Metrics()
        let threads = 8, each = 5_000
        DispatchQueue.concurrentPerform(iterations: threads) { t in
            for i in 0..<each {
                metrics.observe(AccessRecord(method: "GET", target: "/a", route: i % 2 == 0 ? "/a" : nil, status: 200 + t % 2,
                                              bytesIn: 3, bytesOut: 0, durationNanoseconds: UInt64(i), requestID: ""))
                metrics.countStep(nanoseconds: UInt64(i))
            }
        }
        let totals = metrics.requests.totals
        #expect(totals.requests.values.reduce(0, +) == UInt64(threads * each))
        #expect(totals.bytesIn == UInt64(threads * each * 3))
        #expect(totals.durations.values.map { $0.buckets.reduce(0, +) }.reduce(0, +) == UInt64(threads * each))
        #expect(metrics.render(sessions: 0).contains("\noptd_steps_total \(threads * each)\n"))
    }
}
