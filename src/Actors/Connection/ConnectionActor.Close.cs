using System.Net.Sockets;
using Akka.Actor;

namespace PgWire.Actors.Connection;

/// <summary>
/// Closing: Terminate, then (unless told otherwise) draining the socket until the server closes it.
/// A connection closed without draining (a query client's close, as libpq's) reports that it is
/// closed and then waits for its owner to stop it, instead of stopping itself: the caller that
/// waits for the close on its own thread (the calling-thread dispatcher runs this actor there) is
/// then not held up by the actor's stop, which the owner's stop does later on its own dispatcher.
/// </summary>
public sealed partial class ConnectionActor
{
    private void OnTerminate(bool drain)
    {
        if (_stream is null)
        {
            FinishClose(stop: drain);
            return;
        }

        _writer.WriteTerminate();
        try
        {
            _stream.Write(_writer.WrittenSpan);
            _stream.Flush();
            if (!drain)
            {
                _writer.Clear();
                FinishClose(stop: false);
                return;
            }

            // Half-close and read to the end before closing: closing a socket with unread bytes
            // (a replication stream keeps sending) resets the connection, and the server may then
            // drop what we sent last, such as a final standby status update.
            _socket?.Shutdown(SocketShutdown.Send);
        }
        catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException)
        {
            _writer.Clear();
            FinishClose(stop: drain);
            return;
        }

        _writer.Clear();
        _busy = false;
        _onFrame = static (_, _) => { };
        _unacked = 0;
        _draining = true;
        Become(Closing);
        Timers.StartSingleTimer("close", CloseNow.Instance, TimeSpan.FromSeconds(2));
        StartRead();
    }

    private sealed class CloseNow
    {
        public static readonly CloseNow Instance = new();
    }

    private void Closing(object message)
    {
        switch (message)
        {
            case ReadCompleted m:
                _reading = false;
                _offeredRead = null;
                if (m.Count == 0)
                {
                    FinishClose();
                    return;
                }

                // Whatever still arrives is discarded.
                _end += m.Count;
                _start = _end;
                StartRead();
                break;
            case ReadFailed:
                _reading = false;
                _offeredRead = null;
                FinishClose();
                break;
            case CloseNow:
                FinishClose();
                break;
        }
    }

    private void FinishClose(bool stop = true)
    {
        CloseSocket();
        _owner.Tell(new ConnectionClosed(null));
        if (_requester != ActorRefs.Nobody && _requester != _owner)
        {
            _requester.Tell(new ConnectionClosed(null));
        }

        if (!stop)
        {
            Become(Closed);
            return;
        }

        Context.Stop(Self);
    }

    /// <summary>Closed, waiting to be stopped by the owner: nothing more is done.</summary>
    private void Closed(object message)
    {
        if (message is not Terminate)
        {
            Unhandled(message);
        }
    }
}
