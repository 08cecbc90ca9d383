using System.Buffers;
using Akka.Actor;

namespace PgWire.Actors.Replication;

/// <summary>
/// Stands in front of the LSN actor while a CSV snapshot is taken: when the snapshot's JSON lines
/// are complete it rewrites the data file as a CSV header plus records (written to a temporary
/// file, fsynced, then renamed over the data file) and only then lets the LSN actor persist the
/// snapshot with the new length. A crash before that persist leaves the snapshot unfinished, so
/// it is taken again. Every other message goes to the LSN actor unchanged.
/// </summary>
public sealed class CsvSnapshotActor : ReceiveActor
{
    public CsvSnapshotActor(string path, CsvLineEncoder csv, IActorRef ack)
    {
        Receive<SnapshotCompleted>(completed =>
        {
            var length = Convert(path, csv, completed.FileOffset);
            ack.Forward(completed with { FileOffset = length });
        });
        ReceiveAny(message => ack.Forward(message));
    }

    public static Props Props(string path, CsvLineEncoder csv, IActorRef ack) =>
        DelegateProps.Create(() => new CsvSnapshotActor(path, csv, ack));

    /// <summary>Rewrites the first <paramref name="jsonLength"/> bytes of JSON lines at <paramref name="path"/> as CSV; returns the new length.</summary>
    public static long Convert(string path, CsvLineEncoder csv, long jsonLength)
    {
        ArgumentNullException.ThrowIfNull(csv);
        var temp = path + ".csv-tmp";
        var buffer = new ArrayBufferWriter<byte>(1 << 20);
        using (var output = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None, 1))
        {
            csv.WriteHeader(buffer);
            using var input = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1 << 16);
            var chunk = new byte[1 << 20];
            var carry = 0;
            var remaining = jsonLength;
            while (remaining > 0)
            {
                var read = input.Read(chunk, carry, (int)Math.Min(chunk.Length - carry, remaining));
                if (read == 0)
                {
                    throw new IOException($"{path} is shorter than the {jsonLength} bytes of snapshot recorded");
                }

                remaining -= read;
                var filled = carry + read;
                var lastNewline = chunk.AsSpan(0, filled).LastIndexOf((byte)'\n');
                if (lastNewline < 0)
                {
                    if (filled == chunk.Length)
                    {
                        Array.Resize(ref chunk, chunk.Length * 2);
                    }

                    carry = filled;
                    continue;
                }

                csv.Transcode(chunk.AsSpan(0, lastNewline + 1), buffer);
                carry = filled - lastNewline - 1;
                chunk.AsSpan(lastNewline + 1, carry).CopyTo(chunk);
                output.Write(buffer.WrittenSpan);
                buffer.Clear();
            }

            if (carry > 0)
            {
                csv.Transcode(chunk.AsSpan(0, carry), buffer);
            }

            output.Write(buffer.WrittenSpan);
            output.Flush(flushToDisk: true);
        }

        File.Move(temp, path, overwrite: true);
        return new FileInfo(path).Length;
    }
}
