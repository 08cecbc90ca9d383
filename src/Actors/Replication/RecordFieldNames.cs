using System.Text.Json;

namespace PgWire.Actors.Replication;

/// <summary>The property names of a change record, pre-encoded once for every writer of records.</summary>
internal static class RecordFieldNames
{
    public static readonly JsonEncodedText Op = JsonEncodedText.Encode("op");
    public static readonly JsonEncodedText LsnName = JsonEncodedText.Encode("lsn");
    public static readonly JsonEncodedText Xid = JsonEncodedText.Encode("xid");
    public static readonly JsonEncodedText CommitTs = JsonEncodedText.Encode("commit_ts");
    public static readonly JsonEncodedText Key = JsonEncodedText.Encode("key");
    public static readonly JsonEncodedText Before = JsonEncodedText.Encode("before");
    public static readonly JsonEncodedText After = JsonEncodedText.Encode("after");
}
