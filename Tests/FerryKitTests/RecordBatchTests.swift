import Foundation
import Testing

@testable import FerryKit

/// The byte buffers of the hot path, against plain models of what they must do.
@Suite struct RecordBatchTests {
    /// Random edits of a batch (fields of every size, records kept, dropped, or moved to another
    /// batch unfinished, the batch emptied and filled again) leave the same records as a model of
    /// arrays of strings.
    @Test func aBatchHoldsWhatWasAppendedWhateverItsBufferDid() {
        var random = SplitMix64(seed: 17)
        var batch = RecordBatch()
        var model: [[String]] = []
        var open: [String]?
        for step in 0..<20_000 {
            switch random.next() % 10 {
            case 0 where open == nil:
                batch.beginRecord()
                open = []
            case 1 where open != nil:
                batch.endRecord(number: model.count + 1, line: step)
                model.append(open!)
                open = nil
            case 2 where open != nil:
                batch.discardOpenRecord()
                open = nil
            case 3 where open != nil && random.next() % 4 == 0:
                // An unfinished record moves to a fresh batch, which goes on as the batch.
                var other = RecordBatch()
                batch.moveOpenRecord(to: &other)
                #expect(batch.openRecordFieldCount == 0)
                check(batch, model, open: [])
                batch = other
                model = []
            case 4 where open == nil && random.next() % 50 == 0:
                batch.removeAll()
                model = []
            default:
                guard open != nil else { continue }
                // Mostly short values, now and then one far larger than the buffer so far.
                let length = random.next() % 20 == 0 ? Int(random.next() % 70_000) : Int(random.next() % 24)
                let value = String(repeating: String(UnicodeScalar(UInt8(0x61 + step % 26))), count: length)
                if random.next() % 3 == 0 {
                    let start = batch.beginField()
                    for byte in value.utf8 { batch.appendFieldByte(byte) }
                    batch.endField(column: open!.count, kind: .string, start: start)
                } else {
                    var text = value
                    text.withUTF8 { batch.appendField(column: open!.count, kind: .string, UnsafeRawBufferPointer($0)) }
                }
                open!.append(value)
            }
        }
        check(batch, model, open: open ?? [])
    }

    /// `open`: the fields of the record not ended yet, whose bytes the batch holds too.
    private func check(_ batch: RecordBatch, _ model: [[String]], open: [String]) {
        #expect(batch.count == model.count)
        guard batch.count == model.count else { return }
        var bytes = open.reduce(0) { $0 + $1.utf8.count }
        #expect(batch.openRecordFieldCount == open.count)
        for (index, expected) in model.enumerated() {
            let record = batch[index]
            #expect(record.fields.map { batch.string($0) } == expected)
            bytes += expected.reduce(0) { $0 + $1.utf8.count }
        }
        #expect(batch.byteCount == bytes)
    }

    /// Every string, escaped by the writers' quoting (eight bytes at a time where nothing needs an
    /// escape), is read back as itself by Foundation's JSON parser, and no raw control character
    /// or unescaped quote is left in it.
    @Test func jsonQuotingIsReadBackAsTheSameTextByAnIndependentParser() throws {
        var random = SplitMix64(seed: 23)
        let alphabet: [String] =
            (0..<0x20).map { String(UnicodeScalar(UInt8($0))) } + [
                "\"", "\\", "/", "a", "Z", "0", " ", "\u{7F}", "é", "ñ", "€", "😀", "'", "{", "}",
            ] + Array(repeating: "x", count: 12)
        for _ in 0..<5_000 {
            let length = Int(random.next() % 40)
            let text = (0..<length).map { _ in alphabet[Int(random.next() % UInt64(alphabet.count))] }.joined()
            var out: [UInt8] = []
            var utf8 = Array(text.utf8)
            utf8.withUnsafeMutableBytes { JSONText.appendQuoted(UnsafeRawBufferPointer($0), to: &out) }
            #expect(!out.contains { $0 < 0x20 }, "a raw control character in \(out)")
            let parsed = try JSONSerialization.jsonObject(with: Data(out), options: .fragmentsAllowed) as? String
            #expect(parsed == text, "\(Array(text.utf8)) came back as \(parsed.map { Array($0.utf8) } ?? [])")
        }
    }
}
