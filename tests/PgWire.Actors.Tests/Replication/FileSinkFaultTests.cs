using System.Collections.Concurrent;
using Akka.Actor;
using Akka.TestKit.Xunit2;
using PgWire.Actors.Replication;
using PgWire.Protocol.Replication;
using Xunit;

namespace PgWire.Actors.Tests.Replication;

/// <summary>
/// A fault at each step of the file sink (write, fsync, the recorded position, cutting back a
/// failed batch, the restart): the file keeps exactly the batches made durable, once each, and
/// nothing of a failed batch is reported durable (the server hears only what the store recorded).
/// </summary>
public sealed class FileSinkFaultTests : TestKit, IDisposable
{
    private readonly string _dir = StreamTestSupport.NewDir();
    private readonly Faults _faults = new();

    private string DataPath => Path.Combine(_dir, "t.data");

    /// <summary>Faults armed by step name: each arming fails that step once.</summary>
    private sealed class Faults
    {
        private readonly ConcurrentDictionary<string, int> _armed = new(StringComparer.Ordinal);

        public void Arm(string step, int times = 1) => _armed.AddOrUpdate(step, times, (_, n) => n + times);

        public bool Take(string step)
        {
            while (_armed.TryGetValue(step, out var n) && n > 0)
            {
                if (_armed.TryUpdate(step, n - 1, n))
                {
                    return true;
                }
            }

            return false;
        }
    }

    /// <summary>The real file, with a fault where one is armed; a failing write writes half its bytes first.</summary>
    private sealed class FaultyFile(IDataFile inner, Faults faults) : IDataFile
    {
        public long Length => inner.Length;

        public long Position { get => inner.Position; set => inner.Position = value; }

        public void Write(ReadOnlySpan<byte> bytes)
        {
            if (faults.Take("write"))
            {
                inner.Write(bytes[..(bytes.Length / 2)]);
                throw new IOException("injected write fault");
            }

            inner.Write(bytes);
        }

        public void Flush()
        {
            if (faults.Take("fsync"))
            {
                throw new IOException("injected fsync fault");
            }

            inner.Flush();
        }

        public void SetLength(long length)
        {
            if (faults.Take("cut"))
            {
                throw new IOException("injected cut-back fault");
            }

            inner.SetLength(length);
        }

        public void Dispose() => inner.Dispose();
    }

    private IActorRef Sink(IActorRef ack) =>
        Sys.ActorOf(FileSinkActor.Props(DataPath, Lsn.Invalid, 0, ack, null, path =>
        {
            if (_faults.Take("open"))
            {
                throw new IOException("injected open fault");
            }

            return new FaultyFile(LocalDataFile.Open(path), _faults);
        }));

    private static TransactionBatch Batch(ulong commit, IActorRef replyTo, params string[] values) =>
        new([FileSinkActorTests.Transaction(commit, values)], replyTo);

    private List<string> Values()
    {
        using var f = new FileStream(DataPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var reader = new StreamReader(f);
        return [.. reader.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => System.Text.Json.JsonDocument.Parse(line).RootElement.GetProperty("after").GetProperty("v").GetString()!)];
    }

    private long Length => new FileInfo(DataPath).Length;

    /// <summary>A first batch made durable; returns its offset.</summary>
    private long FirstBatch(IActorRef sink, Akka.TestKit.TestProbe ack, Akka.TestKit.TestProbe stream)
    {
        sink.Tell(Batch(100, stream, "a"));
        var offset = ack.ExpectMsg<Durable>().FileOffset;
        Assert.Equal(offset, Length);
        return offset;
    }

    private void Resend(IActorRef sink, Akka.TestKit.TestProbe ack, Akka.TestKit.TestProbe stream, long durable)
    {
        // A restarted stream asks for the position and sends from there again.
        sink.Tell(GetSinkPosition.Instance, stream);
        Assert.Equal(new SinkPosition(new Lsn(100), durable), stream.ExpectMsg<SinkPosition>());
        sink.Tell(Batch(200, stream, "b"), stream);
        var offset = ack.ExpectMsg<Durable>().FileOffset;
        Assert.Equal(offset, Length);
        Assert.Equal(["a", "b"], Values());
    }

    [Theory]
    [InlineData("write")]
    [InlineData("fsync")]
    public void A_failed_write_or_fsync_leaves_only_the_durable_batches_and_is_reported_as_not_durable(string step)
    {
        var ack = CreateTestProbe();
        var stream = CreateTestProbe();
        var sink = Sink(ack);
        var durable = FirstBatch(sink, ack, stream);

        _faults.Arm(step);
        sink.Tell(Batch(200, stream, "b"));
        var failed = stream.ExpectMsg<SinkWriteFailed>();
        Assert.False(failed.Permanent);
        Assert.Contains("injected " + step, failed.Reason, StringComparison.Ordinal);
        ack.ExpectNoMsg(TimeSpan.FromMilliseconds(200));
        Assert.Equal(durable, Length);
        Assert.Equal(["a"], Values());

        Resend(sink, ack, stream, durable);
    }

    [Fact]
    public void A_position_the_store_did_not_record_is_sent_again_and_written_once()
    {
        var ack = CreateTestProbe();
        var stream = CreateTestProbe();
        var sink = Sink(ack);
        FirstBatch(sink, ack, stream);

        // The batch is in the file, but the store fails to record it: the stream hears
        // StateWriteFailed from the store (not the sink), reports nothing, and starts again from
        // what the store has, so the batch comes again.
        sink.Tell(Batch(200, stream, "b"));
        var durable = ack.ExpectMsg<Durable>();
        sink.Tell(GetSinkPosition.Instance, stream);
        Assert.Equal(new SinkPosition(new Lsn(200), durable.FileOffset), stream.ExpectMsg<SinkPosition>());
        sink.Tell(new TransactionBatch([FileSinkActorTests.Transaction(100, "a"), FileSinkActorTests.Transaction(200, "b")], stream), stream);
        stream.ExpectMsg<BatchSkipped>();
        ack.ExpectNoMsg(TimeSpan.FromMilliseconds(200));
        sink.Tell(Batch(300, stream, "c"));
        Assert.Equal(new Lsn(300).Value, ack.ExpectMsg<Durable>().CommitLsn);
        Assert.Equal(["a", "b", "c"], Values());
    }

    [Fact]
    public void A_failed_cut_back_restarts_the_sink_which_cuts_the_file_back_to_the_durable_batch()
    {
        var ack = CreateTestProbe();
        var stream = CreateTestProbe();
        var sink = Sink(ack);
        var durable = FirstBatch(sink, ack, stream);

        // The write fails after half its bytes, and cutting them off fails too: appending after
        // them would leave a torn piece inside the file.
        _faults.Arm("write");
        _faults.Arm("cut");
        sink.Tell(Batch(200, stream, "b"));
        Assert.Contains("injected write", stream.ExpectMsg<SinkWriteFailed>().Reason, StringComparison.Ordinal);
        ack.ExpectNoMsg(TimeSpan.FromMilliseconds(200));

        // Restarted, the sink opened the file again and cut it back to the durable batch.
        AwaitAssert(() => Assert.Equal(durable, Length), TimeSpan.FromSeconds(5));
        Resend(sink, ack, stream, durable);
    }

    [Fact]
    public void A_sink_that_cannot_open_its_file_on_restart_stops_and_keeps_the_durable_batches()
    {
        var ack = CreateTestProbe();
        var stream = CreateTestProbe();
        var sink = Sink(ack);
        var durable = FirstBatch(sink, ack, stream);
        Watch(sink);

        _faults.Arm("write");
        _faults.Arm("cut");
        _faults.Arm("open");
        sink.Tell(Batch(200, stream, "b"));
        stream.ExpectMsg<SinkWriteFailed>();
        ExpectTerminated(sink, TimeSpan.FromSeconds(5));
        ack.ExpectNoMsg(TimeSpan.FromMilliseconds(200));

        // The next start (a new run) cuts the torn half batch off.
        var again = Sys.ActorOf(FileSinkActor.Props(DataPath, new Lsn(100), durable, ack));
        again.Tell(GetSinkPosition.Instance, stream);
        Assert.Equal(new SinkPosition(new Lsn(100), durable), stream.ExpectMsg<SinkPosition>());
        Assert.Equal(durable, Length);
        Assert.Equal(["a"], Values());
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing)
        {
            try
            {
                Directory.Delete(_dir, true);
            }
            catch (IOException)
            {
            }
        }
    }
}
