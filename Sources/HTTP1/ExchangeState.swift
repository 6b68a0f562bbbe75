/// What one request/response exchange has done so far; owned by its ``Connection``.
struct ExchangeState {
    var request: HTTPRequest
    /// The body was read to its end (or there was none).
    var bodyComplete = false
    var continueSent = false
    /// Bytes taken from the server's in-flight body budget for this request.
    var reservedBodyBytes = 0
    /// The body's first read happened, taking its share of the budget (see `readBody`).
    var budgetTaken = false
    var headWritten = false
    /// Head built but held back to leave together with the first body bytes.
    var headPending = false
    var responseComplete = false
    var closeAfterResponse = false
    /// Body bytes the response declared, and how many the handler has given so far.
    var declaredLength = 0
    var bodyGiven = 0
    /// False for HEAD, 204 and 304: the handler's body bytes are counted but not sent.
    var sendsBody = true
    /// For the access log.
    var started = Instant.now()
    var status = 0
    /// The route pattern that matched, once routed.
    var route: String?
    var bodyBytesRead = 0
    /// A stand-in exchange for a protocol error before any request was read.
    var unreadable = false

    init(request: HTTPRequest) { self.request = request }
}
