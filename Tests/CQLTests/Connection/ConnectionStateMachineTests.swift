import NIOCore
import NIOEmbedded
import Testing

@testable import CQL

/// An `Equatable` view of an action, so tests can compare whole action lists.
enum ActionSummary: Equatable, CustomStringConvertible {
    case send(stream: Int16, opcode: CQLOpcode)
    case succeed(request: UInt64)
    case fail(request: UInt64, CQLError.Code)
    case enableFraming
    case enableCompression
    case startupSucceeded
    case startupFailed(CQLError.Code)
    case forwardEvent
    case closeChannel
    case connectionClosed
    case ignore(stream: Int16)

    init(_ action: ConnectionStateMachine.Action, version: ProtocolVersion) {
        switch action {
        case .sendRequest(let stream, let request): self = .send(stream: stream, opcode: request.opcode)
        case .sendControlMessage(let stream, let message):
            self = .send(stream: stream, opcode: message.opcode(version: version))
        case .succeedRequest(let request, _): self = .succeed(request: request.id)
        case .failRequest(let request, let error): self = .fail(request: request.id, error.code)
        case .enableOutboundFraming: self = .enableFraming
        case .enableOutboundCompression: self = .enableCompression
        case .startupSucceeded: self = .startupSucceeded
        case .startupFailed(let error): self = .startupFailed(error.code)
        case .forwardEvent: self = .forwardEvent
        case .closeChannel: self = .closeChannel
        case .connectionClosed: self = .connectionClosed
        case .ignoreResponse(let stream, _): self = .ignore(stream: stream)
        }
    }

    var description: String {
        switch self {
        case .send(let stream, let opcode): "send(\(stream), \(opcode))"
        case .succeed(let request): "succeed(\(request))"
        case .fail(let request, let code): "fail(\(request), \(code))"
        case .enableFraming: "enableFraming"
        case .enableCompression: "enableCompression"
        case .startupSucceeded: "startupSucceeded"
        case .startupFailed(let code): "startupFailed(\(code))"
        case .forwardEvent: "forwardEvent"
        case .closeChannel: "closeChannel"
        case .connectionClosed: "connectionClosed"
        case .ignore(let stream): "ignore(\(stream))"
        }
    }
}

/// Drives a state machine and records summaries; requests get promises from an embedded loop.
struct MachineHarness {
    var machine: ConnectionStateMachine
    let loop = EmbeddedEventLoop()
    var nextID: UInt64 = 100

    init(version: ProtocolVersion, credentials: ConnectionStateMachine.Credentials? = nil, maxQueued: Int = 16) {
        self.machine = ConnectionStateMachine(version: version, credentials: credentials, maxQueuedRequests: maxQueued)
    }

    func summarize(_ actions: [ConnectionStateMachine.Action]) -> [ActionSummary] {
        actions.map { ActionSummary($0, version: self.machine.version) }
    }

    /// Runs STARTUP → READY.
    mutating func makeReady() -> [ActionSummary] {
        _ = self.machine.channelActive()
        let actions = self.machine.responseReceived(streamID: 0, .success(.ready))
        return self.summarize(actions)
    }

    mutating func enqueue(_ opcode: CQLOpcode = .query) -> (UInt64, [ActionSummary]) {
        let id = self.nextID
        self.nextID += 1
        let promise = self.loop.makePromise(of: CQLResponse.self)
        // The machine only stores promises (the handler completes them), so complete it right away.
        promise.fail(CQLError(.connectionClosed, "not used by state machine tests"))
        let request = RequestContext(id: id, opcode: opcode, body: ByteBuffer(), promise: promise, startedAt: .now())
        // Compute the actions before summarizing: `self.summarize(self.machine...)` would copy `self`
        // first and make every enqueue copy the machine's dictionaries.
        let actions = self.machine.requestEnqueued(request)
        return (id, self.summarize(actions))
    }

    mutating func respond(_ stream: Int16, _ response: CQLResponse = .result(.void)) -> [ActionSummary] {
        let actions = self.machine.responseReceived(streamID: stream, .success(response))
        return self.summarize(actions)
    }
}

@Suite("ConnectionStateMachine")
struct ConnectionStateMachineTests {
    @Test("v1 handshake: STARTUP on stream 0, READY makes the connection ready")
    func v1Handshake() {
        var harness = MachineHarness(version: .v1)
        #expect(harness.summarize(harness.machine.channelActive()) == [.send(stream: 0, opcode: .startup)])
        #expect(harness.summarize(harness.machine.channelActive()).isEmpty)
        #expect(harness.respond(0, .ready) == [.startupSucceeded])
        #expect(harness.machine.state == .ready)
        #expect(harness.machine.inFlightCount == 0)
    }

    @Test("v5 handshake switches outbound framing on before anything else is sent")
    func v5Handshake() {
        var harness = MachineHarness(version: .v5)
        #expect(harness.makeReady() == [.enableFraming, .startupSucceeded])
    }

    @Test("LZ4: STARTUP asks for it on v2+, compression starts after READY (v2-v4) or with framing (v5)")
    func compressionHandshake() {
        var v4 = ConnectionStateMachine(version: .v4, credentials: nil, maxQueuedRequests: 1, lz4Compression: true)
        let startup = v4.channelActive()
        if case .sendControlMessage(_, .startup(let options)) = startup.first {
            #expect(options == ["CQL_VERSION": "3.0.0", "COMPRESSION": "lz4"])
        } else {
            Issue.record("expected STARTUP")
        }
        #expect(
            v4.responseReceived(streamID: 0, .success(.ready)).map { ActionSummary($0, version: .v4) }
                == [.enableCompression, .startupSucceeded]
        )
        var v5 = ConnectionStateMachine(version: .v5, credentials: nil, maxQueuedRequests: 1, lz4Compression: true)
        _ = v5.channelActive()
        #expect(
            v5.responseReceived(streamID: 0, .success(.ready)).map { ActionSummary($0, version: .v5) }
                == [.enableFraming, .startupSucceeded]
        )
        var v1 = ConnectionStateMachine(version: .v1, credentials: nil, maxQueuedRequests: 1, lz4Compression: true)
        if case .sendControlMessage(_, .startup(let options)) = v1.channelActive().first {
            #expect(options == ["CQL_VERSION": "3.0.0"])
        }
        #expect(
            v1.responseReceived(streamID: 0, .success(.ready)).map { ActionSummary($0, version: .v1) } == [
                .startupSucceeded
            ]
        )
    }

    @Test("Requests enqueued during the handshake are sent once READY arrives")
    func queuedDuringHandshake() {
        var harness = MachineHarness(version: .v4)
        _ = harness.machine.channelActive()
        let (id, actions) = harness.enqueue()
        #expect(actions.isEmpty)
        #expect(harness.respond(0, .ready) == [.startupSucceeded, .send(stream: 0, opcode: .query)])
        #expect(harness.respond(0) == [.succeed(request: id)])
    }

    @Test("v2+ SASL PLAIN: AUTH_RESPONSE, challenge, AUTH_SUCCESS")
    func saslAuthentication() {
        var harness = MachineHarness(version: .v2, credentials: .init(username: "u", password: "p"))
        _ = harness.machine.channelActive()
        let actions = harness.machine.responseReceived(
            streamID: 0,
            .success(.authenticate(authenticator: "PasswordAuthenticator"))
        )
        #expect(harness.summarize(actions) == [.send(stream: 0, opcode: .authResponse)])
        if case .sendControlMessage(_, .authResponse(let token)) = actions.first {
            #expect(token == [0, 0x75, 0, 0x70])
        } else {
            Issue.record("expected an AUTH_RESPONSE")
        }
        #expect(harness.machine.state == .authenticating)
        #expect(harness.respond(0, .authChallenge(token: nil)) == [.send(stream: 0, opcode: .authResponse)])
        #expect(harness.respond(0, .authSuccess(token: nil)) == [.startupSucceeded])
    }

    @Test("v1 authentication sends CREDENTIALS and READY completes it; v5 switches framing at AUTHENTICATE")
    func v1CredentialsAndV5Auth() {
        var v1 = MachineHarness(version: .v1, credentials: .init(username: "u", password: "p"))
        _ = v1.machine.channelActive()
        let actions = v1.machine.responseReceived(streamID: 0, .success(.authenticate(authenticator: "x")))
        #expect(v1.summarize(actions) == [.send(stream: 0, opcode: .credentials)])
        if case .sendControlMessage(_, .credentials(let map)) = actions.first {
            #expect(map == ["username": "u", "password": "p"])
        }
        #expect(v1.respond(0, .ready) == [.startupSucceeded])

        var v5 = MachineHarness(version: .v5, credentials: .init(username: "u", password: "p"))
        _ = v5.machine.channelActive()
        #expect(
            v5.respond(0, .authenticate(authenticator: "x")) == [
                .enableFraming, .send(stream: 0, opcode: .authResponse),
            ]
        )
        #expect(v5.respond(0, .authSuccess(token: nil)) == [.startupSucceeded])
    }

    @Test("AUTHENTICATE without credentials, bad credentials and odd replies fail the startup")
    func authenticationFailures() {
        var noCredentials = MachineHarness(version: .v4)
        _ = noCredentials.machine.channelActive()
        #expect(
            noCredentials.respond(0, .authenticate(authenticator: "x")) == [
                .startupFailed(.authenticationRequired), .closeChannel,
            ]
        )
        var badCredentials = MachineHarness(version: .v4, credentials: .init(username: "u", password: "wrong"))
        _ = badCredentials.machine.channelActive()
        _ = badCredentials.respond(0, .authenticate(authenticator: "x"))
        #expect(
            badCredentials.respond(0, .error(CQLError(.authenticationError, "bad"))) == [
                .startupFailed(.authenticationError), .closeChannel,
            ]
        )
        var odd = MachineHarness(version: .v4)
        _ = odd.machine.channelActive()
        #expect(odd.respond(0, .supported([:])) == [.startupFailed(.unexpectedResponse), .closeChannel])
    }

    @Test("An unsupported-version ERROR on any stream maps to unsupportedProtocolVersion")
    func unsupportedVersion() {
        var harness = MachineHarness(version: .v5)
        _ = harness.machine.channelActive()
        let error = CQLError(.protocolError, "Invalid or unsupported protocol version: 5")
        #expect(harness.respond(0, .error(error)) == [.startupFailed(.unsupportedProtocolVersion), .closeChannel])
        #expect(harness.machine.state == .closing)
        #expect(harness.summarize(harness.machine.channelInactive()) == [.connectionClosed])
        #expect(harness.machine.inFlightCount == 0)
    }

    @Test("A close before any reply to STARTUP is reported as connectionClosedDuringStartup")
    func closedBeforeStartupReply() {
        var harness = MachineHarness(version: .v3)
        _ = harness.machine.channelActive()
        #expect(
            harness.summarize(harness.machine.channelInactive()) == [
                .startupFailed(.connectionClosedDuringStartup), .connectionClosed,
            ]
        )
    }

    @Test("v1 has 128 stream ids; further requests wait, then tooManyRequests when the queue is full")
    func streamExhaustion() {
        var harness = MachineHarness(version: .v1, maxQueued: 1)
        _ = harness.makeReady()
        var ids: [UInt64] = []
        for expectedStream in 0..<128 {
            let (id, actions) = harness.enqueue()
            #expect(actions == [.send(stream: Int16(expectedStream), opcode: .query)])
            ids.append(id)
        }
        #expect(harness.machine.inFlightCount == 128)
        let (queuedID, queuedActions) = harness.enqueue()
        #expect(queuedActions.isEmpty)
        #expect(harness.machine.queuedCount == 1)
        let (rejectedID, rejected) = harness.enqueue()
        #expect(rejected == [.fail(request: rejectedID, .tooManyRequests)])
        // A response frees stream 57, which goes straight to the waiting request.
        #expect(harness.respond(57) == [.succeed(request: ids[57]), .send(stream: 57, opcode: .query)])
        #expect(harness.respond(57) == [.succeed(request: queuedID)])
        #expect(harness.machine.inFlightCount == 127)
    }

    @Test("v3+ allow 32768 stream ids")
    func wideStreams() {
        var harness = MachineHarness(version: .v3, maxQueued: 0)
        _ = harness.makeReady()
        for _ in 0..<32_768 { _ = harness.enqueue() }
        #expect(harness.machine.inFlightCount == 32_768)
        let (id, actions) = harness.enqueue()
        #expect(actions == [.fail(request: id, .tooManyRequests)])
    }

    @Test("A timed-out request keeps its stream id until the late response arrives")
    func timeoutOrphansStream() {
        var harness = MachineHarness(version: .v4)
        _ = harness.makeReady()
        let (first, _) = harness.enqueue()
        #expect(
            harness.summarize(harness.machine.timeoutFired(requestID: first)) == [
                .fail(request: first, .requestTimedOut)
            ]
        )
        #expect(harness.machine.inFlightCount == 1)
        #expect(harness.machine.orphanCount == 1)
        // The next request must not get stream 0.
        let (second, actions) = harness.enqueue()
        #expect(actions == [.send(stream: 1, opcode: .query)])
        // The late response on stream 0 completes nothing and frees the id.
        #expect(harness.respond(0).isEmpty)
        #expect(harness.machine.orphanCount == 0)
        #expect(harness.machine.inFlightCount == 1)
        // A second timeout for the same request is a no-op.
        #expect(harness.summarize(harness.machine.timeoutFired(requestID: first)).isEmpty)
        #expect(harness.respond(1) == [.succeed(request: second)])
        #expect(harness.machine.inFlightCount == 0)
    }

    @Test("A queued request that times out leaves the queue")
    func queuedTimeout() {
        var harness = MachineHarness(version: .v1)
        _ = harness.makeReady()
        for _ in 0..<128 { _ = harness.enqueue() }
        let (queued, _) = harness.enqueue()
        #expect(
            harness.summarize(harness.machine.timeoutFired(requestID: queued)) == [
                .fail(request: queued, .requestTimedOut)
            ]
        )
        #expect(harness.machine.queuedCount == 0)
    }

    @Test("Heartbeat: OPTIONS only when idle; an unanswered one closes the connection")
    func heartbeat() {
        var harness = MachineHarness(version: .v4)
        _ = harness.makeReady()
        // The READY counts as inbound traffic, so the first tick only resets the flag.
        #expect(harness.summarize(harness.machine.heartbeatTimerFired()).isEmpty)
        #expect(harness.summarize(harness.machine.heartbeatTimerFired()) == [.send(stream: 0, opcode: .options)])
        #expect(harness.respond(0, .supported([:])).isEmpty)
        #expect(harness.machine.inFlightCount == 0)
        #expect(harness.summarize(harness.machine.heartbeatTimerFired()).isEmpty)
        #expect(harness.summarize(harness.machine.heartbeatTimerFired()) == [.send(stream: 0, opcode: .options)])
        let (pending, _) = harness.enqueue()
        #expect(
            harness.summarize(harness.machine.heartbeatTimerFired())
                == [.fail(request: pending, .heartbeatTimedOut), .closeChannel]
        )
        #expect(harness.machine.inFlightCount == 0)
    }

    @Test("Close fails in-flight and queued requests and frees every stream id")
    func closeFailsEverything() {
        var harness = MachineHarness(version: .v1, maxQueued: 4)
        _ = harness.makeReady()
        var ids: [UInt64] = []
        for _ in 0..<129 { ids.append(harness.enqueue().0) }
        let actions = harness.summarize(harness.machine.closeRequested())
        #expect(actions.count == 129)
        #expect(actions.allSatisfy { if case .fail(_, .connectionClosed) = $0 { true } else { false } })
        #expect(Set(actions.compactMap { if case .fail(let id, _) = $0 { id } else { nil } }) == Set(ids))
        #expect(harness.machine.inFlightCount == 0)
        #expect(harness.machine.queuedCount == 0)
        let (late, lateActions) = harness.enqueue()
        #expect(lateActions == [.fail(request: late, .connectionClosed)])
        #expect(harness.summarize(harness.machine.channelInactive()) == [.connectionClosed])
    }

    @Test("An error or the peer closing fails in-flight requests with a typed error")
    func errorsFailEverything() {
        var harness = MachineHarness(version: .v4)
        _ = harness.makeReady()
        let (request, _) = harness.enqueue()
        #expect(
            harness.summarize(harness.machine.errorCaught(CQLError(.frameTooLarge, "big")))
                == [.fail(request: request, .frameTooLarge), .closeChannel]
        )
        var peerClosed = MachineHarness(version: .v4)
        _ = peerClosed.makeReady()
        let (other, _) = peerClosed.enqueue()
        #expect(
            peerClosed.summarize(peerClosed.machine.channelInactive()) == [
                .fail(request: other, .connectionClosed), .connectionClosed,
            ]
        )
    }

    @Test("Server ERRORs and undecodable bodies fail only their request; events and unknown streams are routed")
    func responseRouting() {
        var harness = MachineHarness(version: .v4)
        _ = harness.makeReady()
        let (failing, _) = harness.enqueue()
        #expect(harness.respond(0, .error(CQLError(.invalid, "nope"))) == [.fail(request: failing, .invalid)])
        let (malformed, _) = harness.enqueue()
        #expect(
            harness.summarize(harness.machine.responseReceived(streamID: 0, .failure(.protocolViolation("bad"))))
                == [.fail(request: malformed, .protocolViolation)]
        )
        #expect(harness.machine.inFlightCount == 0)
        let event = CQLEvent.statusChange(change: "UP", address: CQLInetAddress(address: [127, 0, 0, 1], port: 9042))
        #expect(harness.respond(-1, .event(event)) == [.forwardEvent])
        #expect(harness.respond(-1, .ready) == [.ignore(stream: -1)])
        #expect(harness.respond(42) == [.ignore(stream: 42)])
        #expect(harness.machine.state == .ready)
    }
}

@Suite("ConnectionStateMachine cancellation")
struct ConnectionStateMachineCancellationTests {
    @Test("A cancelled in-flight request becomes an orphan; a cancelled queued one leaves the queue")
    func cancellation() {
        var harness = MachineHarness(version: .v1)
        _ = harness.makeReady()
        var ids: [UInt64] = []
        for _ in 0..<129 { ids.append(harness.enqueue().0) }
        #expect(
            harness.summarize(harness.machine.requestCancelled(requestID: ids[0])) == [
                .fail(request: ids[0], .requestCancelled)
            ]
        )
        #expect(harness.machine.orphanCount == 1)
        #expect(harness.machine.inFlightCount == 128)
        #expect(
            harness.summarize(harness.machine.requestCancelled(requestID: ids[128])) == [
                .fail(request: ids[128], .requestCancelled)
            ]
        )
        #expect(harness.machine.queuedCount == 0)
        #expect(harness.summarize(harness.machine.requestCancelled(requestID: 999_999)).isEmpty)
    }
}
