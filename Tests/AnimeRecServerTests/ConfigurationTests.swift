import AnimeRecServer
import AnimeRecStore
import Logging
import Testing

@Suite("Configuration from ANIMEREC_* variables")
struct ConfigurationTests {
    @Test func defaults() throws {
        let configuration = try ServiceConfiguration(environment: [:])
        #expect(configuration == ServiceConfiguration())
        #expect(configuration.host == "127.0.0.1")
        #expect(configuration.port == 8080)
        #expect(configuration.databasePath == "./animerec.sqlite")
        #expect(configuration.logLevel == .info)
    }

    @Test func variablesOverrideDefaults() throws {
        let configuration = try ServiceConfiguration(environment: [
            "ANIMEREC_HOST": "0.0.0.0", "ANIMEREC_PORT": "9000", "ANIMEREC_DB": "/tmp/x.sqlite",
            "ANIMEREC_DB_READERS": "8", "ANIMEREC_DB_SYNC_FULL": "true", "ANIMEREC_LOG_LEVEL": "DEBUG", "OTHER": "ignored",
        ])
        #expect(configuration.host == "0.0.0.0")
        #expect(configuration.port == 9000)
        #expect(configuration.databasePath == "/tmp/x.sqlite")
        #expect(configuration.databaseReaders == 8)
        #expect(configuration.databaseSynchronousFull)
        #expect(configuration.logLevel == .debug)
        #expect(configuration.storeConfiguration.readers == 8)
        #expect(configuration.storeConfiguration.synchronousFull)
    }

    @Test(arguments: [
        ("ANIMEREC_PORT", "http"), ("ANIMEREC_PORT", "70000"), ("ANIMEREC_PORT", "-1"), ("ANIMEREC_DB_READERS", "0"),
        ("ANIMEREC_DB_SYNC_FULL", "yes please"), ("ANIMEREC_LOG_LEVEL", "loud"),
    ])
    func invalidValuesAreRefusedByName(name: String, value: String) {
        #expect(throws: ConfigurationError.invalid(name, value)) { try ServiceConfiguration(environment: [name: value]) }
    }
}
