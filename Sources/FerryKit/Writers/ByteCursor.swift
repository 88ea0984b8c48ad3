import Foundation

/// Writes bytes through a pointer into room reserved ahead, with no capacity or uniqueness check
/// per byte: the hot loops of the writers. `Array.appendWriting(atMost:)` reserves the room and
/// keeps what was written; the caller's bound must hold for everything it puts.
struct ByteCursor {
    private(set) var pointer: UnsafeMutablePointer<UInt8>

    init(_ pointer: UnsafeMutablePointer<UInt8>) { self.pointer = pointer }

    @inline(__always)
    mutating func put(_ byte: UInt8) {
        pointer.pointee = byte
        pointer += 1
    }

    @inline(__always)
    mutating func put(_ bytes: UnsafeRawBufferPointer) {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return }
        memcpy(pointer, base, bytes.count)
        pointer += bytes.count
    }

    @inline(__always)
    mutating func put(_ bytes: UnsafeBufferPointer<UInt8>) { put(UnsafeRawBufferPointer(bytes)) }
}

extension Array where Element == UInt8 {
    /// Appends what `body` writes, at most `bound` bytes.
    @inline(__always)
    mutating func appendWriting(atMost bound: Int, _ body: (inout ByteCursor) -> Void) {
        guard bound > 0 else { return }
        append(addingCapacity: bound) { span in
            span.withUnsafeMutableBufferPointer { buffer, initialized in
                let start = buffer.baseAddress! + initialized
                var cursor = ByteCursor(start)
                body(&cursor)
                let written = cursor.pointer - start
                precondition(written <= buffer.count - initialized, "wrote past the room reserved")
                initialized += written
            }
        }
    }
}
