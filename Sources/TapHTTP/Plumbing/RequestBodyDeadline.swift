import NIOCore
import NIOHTTPTypes

/// A request's body must arrive whole within `timeout` of its head, or the request fails with
/// ``RequestBodyTimeout``: a client dripping bytes cannot hold a connection (and a handler) for ever. The
/// connection's idle timeout does not catch that client, since every byte it sends resets it.
///
/// One timer per request on the connection's own event loop, armed at the head and cancelled at the end.
/// The first version raced each body read against a `Task.sleep` in a task group: two child tasks and a
/// Dispatch timer per request, a tenth or more of redeem throughput (BENCHMARKS.md, session 7).
///
/// When the timer fires it raises the error into the pipeline. The async channel ends the request's inbound
/// stream with it, so a handler reading the body gets it (``JSONBody`` answers 408), and the connection
/// closes after that answer, as the stream it would read the next request from has ended.
final class RequestBodyDeadlineHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart

    private let timeout: TimeAmount
    private var timer: Scheduled<Void>?

    init(timeout: Duration) {
        self.timeout = TimeAmount(timeout)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head:
            disarm()
            let loopBound = NIOLoopBound(context, eventLoop: context.eventLoop)
            timer = context.eventLoop.scheduleTask(in: timeout) {
                loopBound.value.fireErrorCaught(RequestBodyTimeout())
            }
        case .end:
            disarm()
        case .body:
            break
        }
        context.fireChannelRead(data)
    }

    func channelInactive(context: ChannelHandlerContext) {
        disarm()
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        disarm()
    }

    private func disarm() {
        timer?.cancel()
        timer = nil
    }
}

/// The body of a request did not arrive within the server's body timeout.
struct RequestBodyTimeout: Error {}
