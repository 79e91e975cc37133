import HTTPTypes
import NIOCore
import NIOHTTP1
import NIOHTTPTypes

/// When the server answers before a request's body has ended (413 for a body over the limit, a refusal before
/// the body was read, 400 for framing the parser could not read), it closes the connection after that answer;
/// but closing a socket with unread bytes resets it, and a client that writes its whole body before reading
/// (Python's urllib) then never reads the answer. So, as nginx's lingering close does, the answer says
/// `Connection: close`, and the rest of the body is read and thrown away until it ends, the client falls
/// silent for ``idleTime``, ``lingerTime`` has passed or ``lingerBytes`` were discarded; then the connection
/// closes.
///
/// Before this, a client sending a 10 MB body with `Connection: close` got a reset after the 30 s idle timeout:
/// nobody read what it sent, so its writes stalled and it never reached its read of the 413.
final class LingeringCloseHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    /// The longest the rest of a body is read after the answer.
    static let lingerTime: TimeAmount = .seconds(10)
    /// The longest pause in the client's sending that lingering waits out.
    static let idleTime: TimeAmount = .seconds(2)
    /// The most bytes read and thrown away after the answer.
    static let lingerBytes = 32 * 1024 * 1024

    /// A request's head was read and its end not yet.
    private var bodyArriving = false
    /// The parser failed: what follows cannot be read as HTTP, so it never ends by itself.
    private var framingBroken = false
    /// An answer went out before the body ended: everything read from now on is thrown away.
    private var lingering = false
    /// The answer's end was written.
    private var answered = false
    private var discarded = 0
    private var lingerTimer: Scheduled<Void>?
    private var idleTimer: Scheduled<Void>?

    init() {}

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let part = unwrapInboundIn(data)
        guard lingering else {
            switch part {
            case .head: bodyArriving = true
            case .body: break
            case .end: bodyArriving = false
            }
            context.fireChannelRead(data)
            return
        }
        switch part {
        case .head: break  // no further request is served on this connection
        case .body(let bytes): discard(bytes.readableBytes, context: context)
        case .end:
            bodyArriving = false
            closeIfDone(context: context)
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        // The request stream above stopped asking for reads once its buffer filled (nobody reads a refused body);
        // lingering asks for them itself, or the client's writes stall.
        if lingering { context.read() }
        context.fireChannelReadComplete()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if error is HTTPParserError { framingBroken = true }
        // Bytes after a parse error, which the decoder reads and drops: counted like a body while lingering, and
        // not passed on, since the request stream already ended with the parse error.
        if let decoderError = error as? ByteToMessageDecoderError,
            case .dataReceivedInErrorState(_, let bytes) = decoderError
        {
            if lingering { discard(bytes.readableBytes, context: context) }
            return
        }
        context.fireErrorCaught(error)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        switch unwrapOutboundIn(data) {
        case .head(var response) where !lingering && (bodyArriving || framingBroken):
            response.headerFields[.connection] = "close"
            startLingering(context: context)
            context.write(wrapOutboundOut(.head(response)), promise: promise)
        case .end where lingering:
            let written = promise ?? context.eventLoop.makePromise()
            context.write(data, promise: written)
            written.futureResult.assumeIsolated().whenComplete { [self] _ in
                answered = true
                closeIfDone(context: context)
            }
        default:
            context.write(data, promise: promise)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        cancelTimers()
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        cancelTimers()
    }

    private func startLingering(context: ChannelHandlerContext) {
        lingering = true
        context.read()
        lingerTimer = context.eventLoop.assumeIsolated().scheduleTask(in: Self.lingerTime) { [self] in
            close(context: context)
        }
        restartIdleTimer(context: context)
    }

    private func discard(_ count: Int, context: ChannelHandlerContext) {
        discarded += count
        if discarded > Self.lingerBytes {
            close(context: context)
        } else {
            restartIdleTimer(context: context)
        }
    }

    private func restartIdleTimer(context: ChannelHandlerContext) {
        idleTimer?.cancel()
        idleTimer = context.eventLoop.assumeIsolated().scheduleTask(in: Self.idleTime) { [self] in
            close(context: context)
        }
    }

    /// Closes once the answer is out and the body has ended; a broken framing never ends, so it waits for a timer.
    private func closeIfDone(context: ChannelHandlerContext) {
        if answered, !bodyArriving, !framingBroken { close(context: context) }
    }

    private func close(context: ChannelHandlerContext) {
        cancelTimers()
        guard context.channel.isActive else { return }
        context.close(promise: nil)
    }

    private func cancelTimers() {
        lingerTimer?.cancel()
        idleTimer?.cancel()
        (lingerTimer, idleTimer) = (nil, nil)
    }
}
