import Foundation
import Testing
@testable import SAGEGenome

/// The MEME reader and writer: JASPAR's and HOCOMOCO v12's layouts, SAGE-net's signed CWM files, round trips,
/// and one error naming the file and line for each kind of damage.
@Suite struct MEMETests {
    static let hocomoco = """
    MEME version 5

    ALPHABET= ACGT

    strands: + -

    Background letter frequencies
    A 0.25 C 0.25 G 0.25 T 0.25

    MOTIF AHR.H12CORE.0.P.B
    letter-probability matrix: alength= 4 w= 3 nsites= 1062 E= 0
    0.161 0.164 0.520 0.155
    0.027 0.012 0.002 0.959
    0.000 0.000 1.000 0.000

    MOTIF ALX1.H12CORE.0.SM.B
    letter-probability matrix: alength= 4 w= 2 nsites= 320 E= 0
    0.25 0.25 0.25 0.25
    0.9 0.05 0.025 0.025
    """

    @Test func readsHocomocoAndJaspar() throws {
        let h = try parseMEME(Self.hocomoco, name: "h12.meme")
        #expect(h.map(\.id) == ["AHR.H12CORE.0.P.B", "ALX1.H12CORE.0.SM.B"])
        #expect(h[0].length == 3 && h[0][1, 3] == 0.959 && h[0].nsites == 1062 && h[0].altName == nil)
        let j = try readMEME(path: TomtomTests.directory.appendingPathComponent("jaspar.meme").path)
        #expect(j.count == 48)
        #expect(j[0].id == "MA0002.3" && j[0].altName == "Runx1" && j[0].length == 9)
        #expect(j[0].values.prefix(4) == [0.0615, 0.536, 0.0745, 0.328])
    }

    @Test func roundTripsExactlyIncludingNegativeCWMs() throws {
        let cwms = try readMEME(path: TomtomTests.directory.appendingPathComponent("cwm_queries.meme").path)
        #expect(cwms.contains { $0.values.contains { $0 < 0 } })
        #expect(try parseMEME(formatMEME(cwms), name: "x") == cwms)
        let odd = [Motif(id: "m1", altName: "two words", values: [0.1, -0.2, 1e-300, 1.0 / 3, -0.0, 5, 0.125, 2.5e-7], nsites: 20, evalue: 0),
                   Motif(id: "m2", values: [0.25, 0.25, 0.25, 0.25], nsites: 17.5, evalue: 3.2e-10)]
        let back = try parseMEME(formatMEME(odd), name: "x")
        #expect(back == odd, "\(formatMEME(odd))")
        let rounded = try parseMEME(formatMEME(odd, decimals: 2), name: "x")
        #expect(rounded[0].values == [0.1, -0.2, 0, 0.33, -0.0, 5, 0.12, 0])
        // The ALPHABET block of MEME 5 and a matrix without w=.
        let block = """
        MEME version 5
        ALPHABET "DNA" DNA-LIKE
        A "Adenine" CC0000 ~ T "Thymine" 008000
        C "Cytosine" 0000CC ~ G "Guanine" FFB300
        N "Any base" = ACGT
        END ALPHABET
        MOTIF x
        letter-probability matrix: alength= 4
        1 0 0 0
        0 1 0 0

        """
        #expect(try parseMEME(block, name: "b").first?.length == 2)
    }

    @Test func malformedFilesAreOneErrorNamingFileAndLine() throws {
        func message(_ text: String) -> String {
            do { _ = try parseMEME(text, name: "db.meme"); return "no error" } catch { return "\(error)" }
        }
        let header = "MEME version 4\n\nALPHABET= ACGT\n\n"
        #expect(message(header + "MOTIF a\nletter-probability matrix: alength= 4 w= 2\n0.5 0.5 0 0\n0.5 x 0 0\n").hasPrefix("db.meme: line 8: motif a: matrix row 2"))
        #expect(message(header + "MOTIF a\nletter-probability matrix: alength= 4 w= 2\n0.5 0.5 0\n").hasPrefix("db.meme: line 7: motif a: matrix row 1 has 3 values"))
        #expect(message(header + "MOTIF a\nletter-probability matrix: alength= 4 w= 3\n0.5 0.5 0 0\n").contains("ends after 1 of 3"))
        #expect(message(header + "MOTIF a\nMOTIF b\n").hasPrefix("db.meme: line 5: MOTIF a has no"))
        #expect(message("MEME version 4\nALPHABET= ACDEFGHIKLMNPQRSTVWY\n").hasPrefix("db.meme: line 2: alphabet"))
        #expect(message(header + "MOTIF a\nletter-probability matrix: alength= 20 w= 1\n").contains("alength= 20"))
        #expect(message("just some text\n").contains("no motifs"))
        #expect(message("").contains("no motifs"))
        #expect(throws: GenomeError.self) { try readMEME(path: "/nonexistent/db.meme") }
    }

    @Test func sageNetHelpers() {
        let cwm = Motif(id: "c", values: [0.5, -0.5, 0, 0, .nan, 1, -1, 2, 0, 0, 0, 0])
        let ppm = cwmToPPM(cwm)
        #expect(Array(ppm.values[0..<8]) == [0.5, 0.5, 0, 0, 0, 0.25, 0.25, 0.5])
        #expect(ppm.values[8...].allSatisfy { $0.isNaN })
        let ic = ppmToIC(Motif(id: "p", values: [1, 0, 0, 0, 0.25, 0.25, 0.25, 0.25]))
        #expect(abs(ic.values[0] - 2) < 1e-4 && abs(ic.values[1]) < 1e-5)
        #expect(ic.values[4...].allSatisfy { abs($0) < 1e-9 })
        let m = Motif(id: "m", letterMajor: [[1, 2], [3, 4], [5, 6], [7, 8]])
        #expect(m.values == [1, 3, 5, 7, 2, 4, 6, 8])
        #expect(m.reverseComplement.values == [8, 6, 4, 2, 7, 5, 3, 1])
    }
}
