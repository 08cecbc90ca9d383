using System.Globalization;
using System.Text;

namespace PgWire.Protocol.Replication;

/// <summary>How pgoutput streams large in-progress transactions.</summary>
public enum StreamingMode
{
    Off,
    /// <summary>streaming 'true' (protocol version 2 or later).</summary>
    On,
    /// <summary>streaming 'parallel' (protocol version 4 or later).</summary>
    Parallel,
}

/// <summary>Options passed to the pgoutput plugin in START_REPLICATION.</summary>
public sealed record PgOutputOptions(int ProtocolVersion, IReadOnlyList<string> PublicationNames)
{
    public bool Messages { get; init; }
    public bool Binary { get; init; }
    public StreamingMode Streaming { get; init; }
    public bool TwoPhase { get; init; }

    /// <summary>PostgreSQL 16+ 'origin' option ("none" or "any"); null leaves it out.</summary>
    public string? Origin { get; init; }

    /// <summary>Options suited to a server: highest protocol version it speaks with streaming enabled where possible.</summary>
    public static PgOutputOptions ForServer(int serverVersionNum, IReadOnlyList<string> publicationNames)
    {
        var version = ReplicationCommands.ChooseProtocolVersion(serverVersionNum);
        return new PgOutputOptions(version, publicationNames)
        {
            Streaming = version switch
            {
                >= 4 => StreamingMode.Parallel,
                >= 2 => StreamingMode.On,
                _ => StreamingMode.Off,
            },
        };
    }
}

/// <summary>The row returned by IDENTIFY_SYSTEM.</summary>
public sealed record IdentifySystemResult(ulong SystemId, int Timeline, Lsn XLogPosition, string? DatabaseName)
{
    /// <summary>Parses the text values of the single IDENTIFY_SYSTEM row (systemid, timeline, xlogpos, dbname).</summary>
    public static IdentifySystemResult Parse(IReadOnlyList<string?> row)
    {
        ArgumentNullException.ThrowIfNull(row);
        if (row.Count != 4)
        {
            throw new PgProtocolException(ProtocolErrorKind.InvalidValue, $"IDENTIFY_SYSTEM returned {row.Count} column(s), expected 4");
        }

        if (!ulong.TryParse(row[0], NumberStyles.None, CultureInfo.InvariantCulture, out var systemId))
        {
            throw new PgProtocolException(ProtocolErrorKind.InvalidValue, $"IDENTIFY_SYSTEM systemid '{row[0]}' is not a number");
        }

        if (!int.TryParse(row[1], NumberStyles.None, CultureInfo.InvariantCulture, out var timeline) || timeline <= 0)
        {
            throw new PgProtocolException(ProtocolErrorKind.InvalidValue, $"IDENTIFY_SYSTEM timeline '{row[1]}' is not a positive number");
        }

        if (!Lsn.TryParse(row[2], out var pos))
        {
            throw new PgProtocolException(ProtocolErrorKind.InvalidValue, $"IDENTIFY_SYSTEM xlogpos '{row[2]}' is not an LSN");
        }

        return new IdentifySystemResult(systemId, timeline, pos, row[3]);
    }
}

/// <summary>Builds replication commands, sent as simple queries on a replication connection.</summary>
public static class ReplicationCommands
{
    public const string IdentifySystem = "IDENTIFY_SYSTEM";

    /// <summary>
    /// The highest pgoutput protocol version a server supports: 1 before 14, 2 in 14 (streaming),
    /// 3 in 15 (two-phase), 4 from 16 on (parallel streaming).
    /// </summary>
    public static int ChooseProtocolVersion(int serverVersionNum) => serverVersionNum switch
    {
        < 140000 => 1,
        < 150000 => 2,
        < 160000 => 3,
        _ => 4,
    };

    /// <summary>
    /// CREATE_REPLICATION_SLOT for a pgoutput slot that exports a snapshot. Servers from 15 on get the
    /// parenthesized option syntax, older ones the legacy EXPORT_SNAPSHOT keyword.
    /// </summary>
    public static string CreateLogicalSlot(string slotName, int serverVersionNum, bool temporary = false, bool twoPhase = false)
    {
        var sb = new StringBuilder("CREATE_REPLICATION_SLOT ");
        sb.Append(QuoteSlotName(slotName));
        if (temporary)
        {
            sb.Append(" TEMPORARY");
        }

        sb.Append(" LOGICAL pgoutput");
        if (serverVersionNum >= 150000)
        {
            sb.Append(" (SNAPSHOT 'export'");
            if (twoPhase)
            {
                sb.Append(", TWO_PHASE");
            }

            sb.Append(')');
        }
        else
        {
            if (twoPhase)
            {
                throw new NotSupportedException("two-phase pgoutput slots need PostgreSQL 15 or later");
            }

            sb.Append(" EXPORT_SNAPSHOT");
        }

        return sb.ToString();
    }

    /// <summary>START_REPLICATION SLOT name LOGICAL X/X (pgoutput options).</summary>
    public static string StartLogicalReplication(string slotName, Lsn start, PgOutputOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        Validate(options);

        var sb = new StringBuilder("START_REPLICATION SLOT ");
        sb.Append(QuoteSlotName(slotName)).Append(" LOGICAL ").Append(start.ToString());
        sb.Append(" (proto_version ").Append(QuoteLiteral(options.ProtocolVersion.ToString(CultureInfo.InvariantCulture)));
        sb.Append(", publication_names ").Append(QuoteLiteral(string.Join(',', options.PublicationNames.Select(QuoteIdentifier))));
        if (options.Messages)
        {
            sb.Append(", messages 'true'");
        }

        if (options.Binary)
        {
            sb.Append(", binary 'true'");
        }

        switch (options.Streaming)
        {
            case StreamingMode.On:
                sb.Append(", streaming 'true'");
                break;
            case StreamingMode.Parallel:
                sb.Append(", streaming 'parallel'");
                break;
        }

        if (options.TwoPhase)
        {
            sb.Append(", two_phase 'true'");
        }

        if (options.Origin is not null)
        {
            sb.Append(", origin ").Append(QuoteLiteral(options.Origin));
        }

        sb.Append(')');
        return sb.ToString();
    }

    private static void Validate(PgOutputOptions options)
    {
        if (options.ProtocolVersion is < 1 or > 4)
        {
            throw new ArgumentException($"pgoutput protocol version {options.ProtocolVersion} is not supported", nameof(options));
        }

        if (options.PublicationNames is null || options.PublicationNames.Count == 0)
        {
            throw new ArgumentException("at least one publication name is required", nameof(options));
        }

        if (options.Streaming == StreamingMode.On && options.ProtocolVersion < 2)
        {
            throw new ArgumentException("streaming needs protocol version 2 or later", nameof(options));
        }

        if (options.Streaming == StreamingMode.Parallel && options.ProtocolVersion < 4)
        {
            throw new ArgumentException("parallel streaming needs protocol version 4 or later", nameof(options));
        }

        if (options.TwoPhase && options.ProtocolVersion < 3)
        {
            throw new ArgumentException("two_phase needs protocol version 3 or later", nameof(options));
        }
    }

    /// <summary>
    /// Quotes a replication slot name. Slot names may only contain lower-case letters, digits and
    /// underscores (at most 63 characters); the replication command scanner does not accept doubled
    /// quotes inside quoted identifiers, so anything else is rejected here.
    /// </summary>
    public static string QuoteSlotName(string slotName)
    {
        ArgumentException.ThrowIfNullOrEmpty(slotName);
        if (slotName.Length > 63)
        {
            throw new ArgumentException("replication slot names are at most 63 characters", nameof(slotName));
        }

        foreach (var c in slotName)
        {
            if (c is not ((>= 'a' and <= 'z') or (>= '0' and <= '9') or '_'))
            {
                throw new ArgumentException($"replication slot name '{slotName}' may only contain lower-case letters, digits and underscores", nameof(slotName));
            }
        }

        return "\"" + slotName + "\"";
    }

    /// <summary>Double-quotes an identifier, doubling embedded double quotes.</summary>
    public static string QuoteIdentifier(string identifier)
    {
        ArgumentException.ThrowIfNullOrEmpty(identifier);
        CheckNoNul(identifier, nameof(identifier));
        return "\"" + identifier.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
    }

    /// <summary>Single-quotes a string literal, doubling embedded single quotes.</summary>
    public static string QuoteLiteral(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        CheckNoNul(value, nameof(value));
        return "'" + value.Replace("'", "''", StringComparison.Ordinal) + "'";
    }

    private static void CheckNoNul(string value, string name)
    {
        if (value.Contains('\0', StringComparison.Ordinal))
        {
            throw new ArgumentException("value must not contain a NUL character", name);
        }
    }
}
