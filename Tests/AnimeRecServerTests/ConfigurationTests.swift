import AnimeRecServer
import AnimeRecStore
import Configuration
import Logging
import Testing

@Suite("Configuration from ANIMEREC_* variables")
struct ConfigurationTests {
    @Test func defaults() throws {
        let configuration = try ServiceConfiguration(environment: [:])
        #expect(configuration == ServiceConfiguration())
        #expect(configuration.host == "127.0.0.1")
        #expect(configuration.port == 8080)
        #expect(configuration.store.url == .sqlite(path: "./animerec.sqlite"))
        #expect(configuration.logLevel == .info)
    }

    @Test func variablesOverrideDefaults() throws {
        let configuration = try ServiceConfiguration(environment: [
            "ANIMEREC_HOST": "0.0.0.0", "ANIMEREC_PORT": "9000", "ANIMEREC_DB": "/tmp/x.sqlite",
            "ANIMEREC_DB_READERS": "8", "ANIMEREC_DB_SYNC_FULL": "true", "ANIMEREC_LOG_LEVEL": "DEBUG", "OTHER": "ignored",
        ])
        #expect(configuration.host == "0.0.0.0")
        #expect(configuration.port == 9000)
        #expect(configuration.store.url == .sqlite(path: "/tmp/x.sqlite"))
        #expect(configuration.logLevel == .debug)
        #expect(configuration.store.sqlite?.readers == 8)
        #expect(configuration.store.sqlite?.synchronousFull == true)
    }

    @Test func theListenQueueIsConfigurable() throws {
        #expect(try ServiceConfiguration(environment: [:]).listenBacklog == 256)
        #expect(try ServiceConfiguration(environment: ["ANIMEREC_LISTEN_BACKLOG": "4096"]).listenBacklog == 4096)
        #expect(throws: ConfigurationError.invalid("ANIMEREC_LISTEN_BACKLOG", "0")) {
            try ServiceConfiguration(environment: ["ANIMEREC_LISTEN_BACKLOG": "0"])
        }
        #expect(throws: ConfigurationError.invalid("ANIMEREC_LISTEN_BACKLOG", "65536")) {
            try ServiceConfiguration(environment: ["ANIMEREC_LISTEN_BACKLOG": "65536"])
        }
    }

    @Test func storeURLWinsOverTheDatabaseShorthand() throws {
        let configuration = try ServiceConfiguration(environment: [
            "ANIMEREC_DB": "/tmp/x.sqlite", "ANIMEREC_STORE": "cassandra://10.0.0.1,10.0.0.2:9043/recs?dc=eu",
        ])
        guard case .cassandra(let location) = configuration.store.url else {
            Issue.record("expected a cassandra store")
            return
        }
        #expect(location.keyspace == "recs")
        #expect(location.hosts.map(\.host) == ["10.0.0.1", "10.0.0.2"])
        #expect(location.description.contains("consistency=local_quorum"))
        #expect(configuration.store.sqlite == nil)
    }

    @Test(arguments: [
        ("ANIMEREC_PORT", "http"), ("ANIMEREC_PORT", "70000"), ("ANIMEREC_PORT", "-1"), ("ANIMEREC_PORT", "0"), ("ANIMEREC_DB_READERS", "0"),
        ("ANIMEREC_DB_SYNC_FULL", "yes please"), ("ANIMEREC_LOG_LEVEL", "loud"),
        ("ANIMEREC_CORS_ORIGINS", "anime.example"), ("ANIMEREC_CORS_ORIGINS", "https://a.example/path/"),
    ])
    func invalidValuesAreRefusedByName(name: String, value: String) {
        #expect(throws: ConfigurationError.invalid(name, value)) { try ServiceConfiguration(environment: [name: value]) }
    }

    @Test func flagsComeBeforeTheVariables() throws {
        let environment = ["ANIMEREC_PORT": "9000", "ANIMEREC_STORE": "cassandra://10.0.0.1/recs", "ANIMEREC_HOST": "0.0.0.0"]
        let configuration = try ServiceConfiguration(
            config: .animerec(environment: environment, flags: ["port": .int(9100), "store": .string("sqlite:/tmp/flag.sqlite")]))
        #expect(configuration.port == 9100)
        #expect(configuration.store.url == .sqlite(path: "/tmp/flag.sqlite"))
        #expect(configuration.host == "0.0.0.0", "a variable without a flag still counts")
        #expect(throws: ConfigurationError.invalid("ANIMEREC_PORT", "0")) {
            try ServiceConfiguration(config: .animerec(environment: environment, flags: ["port": .int(0)]))
        }
    }
}
