using System.Runtime.InteropServices;
using PgWire.Actors;
using PgWire.Actors.Replication;
using PgWire.Protocol.Settings;

namespace PgWire.Host.Lrepl;

/// <summary><c>pgwire lrepl</c>: follows one or several tables through logical replication (one slot) into data files or Iceberg tables.</summary>
public static class LreplCommand
{
    public const string Usage = """
        pgwire lrepl: copy a table's snapshot, then every change, into <config-dir>/<table>.data
        or (--sink iceberg) into an Apache Iceberg table; several tables share one slot

        Usage:
          pgwire lrepl -t TABLE[,TABLE...] [-t TABLE ...] -L PUBLICATION -c CONFIG_DIR [options]
          pgwire lrepl --all-tables -L PUBLICATION -c CONFIG_DIR [options]

        Options:
          -U, -u, --username, --user USER
                                   database user (default: postgres)
          -P, --password PASSWORD  password (default: PGPASSWORD or ~/.pgpass)
          -H, --host HOST[,HOST]   server host, or several tried in turn (default: 127.0.0.1)
          -p, --port PORT[,PORT]   server port, or one per host (default: 5432)
          -d, --database DATABASE  database (default: postgres)
              --service NAME       connection service from pg_service.conf (default:
                                   PGSERVICE); its values replace the defaults above,
                                   the flags above win over it
              --sslmode MODE       disable, allow, prefer, require, verify-ca, verify-full
                                   (default: PGSSLMODE, else prefer)
              --sslrootcert FILE   CA certificate for verify-ca/verify-full (default: PGSSLROOTCERT)
              --sslcert FILE       client certificate (default: PGSSLCERT, else
                                   ~/.postgresql/postgresql.crt when it exists)
              --sslkey FILE        its private key (default: PGSSLKEY, else
                                   ~/.postgresql/postgresql.key)
              --target-session-attrs ATTRS
                                   which of several hosts to use: any, read-write, primary,
                                   ... as libpq (default: PGTARGETSESSIONATTRS, else any)
          -t, --table NAME[,NAME]  table to replicate (may be schema-qualified); repeat -t or
                                   list several with commas for several tables from one
                                   slot, each into its own file (<schema>.<table>.data
                                   outside public) or Iceberg table
          -L, --publication PUB    publication that includes the table
          -c, --config-dir DIR     where the data file, lrepl-state.db and lrepl.log (the
                                   details behind an error) live
              --slot NAME          replication slot (default: <first table>_slot, then the
                                   slot this config dir's earlier runs of the tables used)
              --all-tables         follow every table of the publication, and a table added
                                   to it later (copied when it first shows in the stream)
              --create-publication create the publication for the table if it is missing
              --drop               tear down instead of running: drop the slot this config
                                   dir created (and the publication, if --create-publication
                                   made it) and the table's replication state; the data
                                   file stays (-L is not needed)
              --config FILE        HOCON file with pgwire.lrepl settings (state store,
                                   progress interval, default format, binary transfer)
                                   and pgwire.connection ones (receive buffer,
                                   backpressure), see reference.conf; its akka keys
                                   (akka.loglevel = DEBUG, ...) go to the run's actor
                                   system, its state store and log file stay lrepl's
              --sink SINK          where changes go: file, <config-dir>/<table>.data (the
                                   default), or iceberg, an Apache Iceberg table
              --iceberg-config FILE
                                   KEY=value file with the Iceberg catalog and storage:
                                   CATALOG_URI (sqlite:///path or postgresql://...),
                                   WAREHOUSE (a path or s3://bucket/prefix), TABLE_NAME,
                                   S3_ENDPOINT, S3_ACCESS_KEY, S3_SECRET_KEY, S3_REGION,
                                   S3_PATH_STYLE, COMMIT_INTERVAL, TARGET_FILE_SIZE
                                   (default: a SQLite catalog <config-dir>/catalog.db and
                                   the warehouse <config-dir>/warehouse)
              --commit-interval DURATION
                                   how often the Iceberg table gets a commit (10s, 500ms,
                                   1m; default 10s, or the file's COMMIT_INTERVAL)
              --iceberg-replace    replace the rows of an existing Iceberg table that
                                   another writer filled with the snapshot (refused without)
              --format FORMAT      jsonl (default) or csv: RFC 4180 with a header line
                                   op,lsn,<columns>; values in PostgreSQL text format,
                                   NULL as an empty field, the empty string as ""
          -h, --help               show this help
        """;

    /// <summary>
    /// How long a run may take to wind down after SIGTERM or Ctrl+C before the command exits without
    /// it: what is durable stays durable, and the next run continues from there as after a crash.
    /// </summary>
    internal static readonly TimeSpan StopGrace = TimeSpan.FromSeconds(4);

    /// <summary>Runs the command as the process's own (pgwire lrepl).</summary>
    public static Task<int> RunAsync(string[] args)
    {
        // Before any thread of the run exists: the process's native environment is changed only here.
        try
        {
            if (Parse(args, null) is { } options && !NeedsSystemRoots(options))
            {
                Simpsql.SystemTrustStore.Ignore();
            }
        }
        catch (ArgumentException)
        {
            // Reported by the run itself.
        }

        return RunAsync(args, Console.Out, Console.Error, null, CancellationToken.None);
    }

    /// <summary>
    /// Whether anything in a run of <paramref name="options"/> may verify a certificate against the system's
    /// trusted roots: a state store or an Iceberg catalog on PostgreSQL (Npgsql), or a warehouse on S3
    /// (HTTPS). lrepl's own PostgreSQL connections never do (as with libpq, a server certificate is checked
    /// against the sslrootcert file or not at all), so when nothing else connects, OpenSSL is kept from
    /// reading and parsing the system bundle at each TLS handshake (<see cref="Simpsql.SystemTrustStore"/>).
    /// A configuration that cannot be read counts as needing them.
    /// </summary>
    internal static bool NeedsSystemRoots(LreplOptions options)
    {
        if (!options.StateProvider.StartsWith("SQLite", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        if (options.Sink != LreplSink.Iceberg)
        {
            return false;
        }

        try
        {
            // Only the catalog and the warehouse matter here; the namespace (from the database) does not.
            var settings = PgWire.Iceberg.IcebergSettings.Load(options.IcebergConfigFile, options.ConfigDir, "postgres", options.IcebergDefaults);
            return !settings.CatalogUri.StartsWith("sqlite:", StringComparison.OrdinalIgnoreCase) || settings.WarehouseOnS3;
        }
        catch (Exception ex) when (ex is PgWire.Iceberg.IcebergConfigException or ArgumentException or IOException)
        {
            return true;
        }
    }

    /// <summary>Runs the command, help going to the console's standard output; stops on Ctrl+C, SIGTERM or <paramref name="stop"/>.</summary>
    public static Task<int> RunAsync(string[] args, TextWriter stderr, ISettingsEnvironment? environment, CancellationToken stop) =>
        RunAsync(args, Console.Out, stderr, environment, stop);

    /// <summary>Runs the command; stops on Ctrl+C, SIGTERM or <paramref name="stop"/>.</summary>
    public static async Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr, ISettingsEnvironment? environment, CancellationToken stop)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(stdout);
        ArgumentNullException.ThrowIfNull(stderr);
        LreplOptions options;
        try
        {
            var parsed = Parse(args, environment);
            if (parsed is null)
            {
                await stdout.WriteAsync(Usage).ConfigureAwait(false);
                await stdout.WriteLineAsync().ConfigureAwait(false);
                await stdout.FlushAsync(CancellationToken.None).ConfigureAwait(false);
                return 0;
            }

            options = parsed with { Log = stderr };
        }
        catch (ArgumentException ex)
        {
            await stderr.WriteLineAsync("pgwire lrepl: " + ex.Message).ConfigureAwait(false);
            await stderr.WriteLineAsync("Try \"pgwire lrepl --help\" for more information.").ConfigureAwait(false);
            return 2;
        }

        using var cts = CancellationTokenSource.CreateLinkedTokenSource(stop);
        void OnSignal(PosixSignalContext context)
        {
            context.Cancel = true;
            cts.Cancel();
        }

        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
        LreplErrorLog.RegisterSecrets(options.LogPath, Secrets(options));
        try
        {
            Task run = args.Contains("--drop") ? LreplRunner.DropAsync(options, cts.Token) : LreplRunner.RunAsync(options, cts.Token);
            if (!await EndsOrStopsInTimeAsync(run, cts.Token, StopGrace).ConfigureAwait(false))
            {
                _ = run.ContinueWith(t => t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
                LreplErrorLog.Write(options.LogPath, $"lrepl: the run did not wind down within {StopGrace.TotalSeconds:0} s of the stop; exiting without it (the next run continues from the durable state)", null);
                await stderr.WriteLineAsync("pgwire lrepl: stopped without waiting for the run to wind down (see lrepl.log); the next run continues from the durable state").ConfigureAwait(false);
                return 0;
            }

            await run.ConfigureAwait(false);
            return 0;
        }
        catch (OperationCanceledException) when (cts.IsCancellationRequested)
        {
            await stderr.WriteLineAsync("pgwire lrepl: stopped before streaming started; the next run continues from the durable state").ConfigureAwait(false);
            return 0;
        }
        catch (Exception ex)
        {
            // The one line for the terminal; the whole story for lrepl.log (when the config dir can be written).
            LreplErrorLog.Write(options.LogPath, "lrepl: " + ex.Message, ex);
            await stderr.WriteLineAsync("pgwire lrepl: " + ex.Message).ConfigureAwait(false);
            return 1;
        }
    }

    /// <summary>
    /// Waits for <paramref name="run"/>; once <paramref name="stop"/> is signalled, for at most
    /// <paramref name="grace"/> more. False when the run was still going then.
    /// </summary>
    internal static async Task<bool> EndsOrStopsInTimeAsync(Task run, CancellationToken stop, TimeSpan grace)
    {
        var stopped = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using (stop.Register(() => stopped.TrySetResult()))
        {
            if (await Task.WhenAny(run, stopped.Task).ConfigureAwait(false) == run)
            {
                return true;
            }
        }

        return await Task.WhenAny(run, Task.Delay(grace, CancellationToken.None)).ConfigureAwait(false) == run;
    }

    /// <summary>The passwords a run knows of (its own, and the state journal's), kept out of lrepl.log.</summary>
    private static IEnumerable<string?> Secrets(LreplOptions options)
    {
        yield return options.Connection.TryGetValue("password", out var given) ? given : null;
        string? resolved = null;
        try
        {
            resolved = ConnectionSettings.Resolve(null, options.Connection, options.Environment).Password;
        }
        catch (ConnectionSettingsException)
        {
            // The run reports it.
        }

        yield return resolved;
        if (options.StateConnectionString is { } state)
        {
            var builder = new System.Data.Common.DbConnectionStringBuilder();
            try
            {
                builder.ConnectionString = state;
            }
            catch (ArgumentException)
            {
                yield break;
            }

            foreach (var key in new[] { "password", "pwd" })
            {
                if (builder.TryGetValue(key, out var value))
                {
                    yield return value?.ToString();
                }
            }
        }
    }

    /// <summary>Parses the arguments; null means help was asked for.</summary>
    internal static LreplOptions? Parse(string[] args, ISettingsEnvironment? environment)
    {
        string? user = null, password = null, host = null, port = null, database = null;
        string? table = null, publication = null, configDir = null, slot = null, sslMode = null, sslRootCert = null;
        var tables = new List<string>();
        string? service = null, sslCert = null, sslKey = null, targetSessionAttrs = null;
        var createPublication = false;
        var allTables = false;
        var drop = false;
        LreplFormat? format = null;
        string? configFile = null;
        var sinkKind = LreplSink.File;
        string? icebergConfig = null;
        TimeSpan? commitInterval = null;
        var icebergReplace = false;
        for (var i = 0; i < args.Length; i++)
        {
            var arg = args[i];
            string? inline = null;
            if (arg.StartsWith("--", StringComparison.Ordinal) && arg.IndexOf('=', StringComparison.Ordinal) is var eq and > 0)
            {
                inline = arg[(eq + 1)..];
                arg = arg[..eq];
            }

            string Value()
            {
                if (inline is not null)
                {
                    return inline;
                }

                if (i + 1 >= args.Length)
                {
                    throw new ArgumentException($"option {arg} needs a value");
                }

                return args[++i];
            }

            switch (arg)
            {
                case "-h":
                case "--help":
                    return null;
                case "-u":
                case "-U":
                case "--user":
                case "--username":
                    user = Value();
                    break;
                case "-P":
                case "--password":
                    password = Value();
                    break;
                case "-H":
                case "--host":
                    host = Value();
                    break;
                case "-p":
                case "--port":
                    port = Value();
                    foreach (var one in port.Split(','))
                    {
                        if (!int.TryParse(one, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n) || n is < 1 or > 65535)
                        {
                            throw new ArgumentException($"invalid port \"{one}\"");
                        }
                    }

                    break;
                case "-d":
                case "--database":
                    database = Value();
                    break;
                case "-t":
                case "--table":
                    var named = Value();
                    var list = LreplOptions.ParseTableList(named);
                    if (list.Count == 0)
                    {
                        throw new ArgumentException($"--table \"{named}\" names no table");
                    }

                    tables.AddRange(list);
                    table ??= list[0];
                    break;
                case "-L":
                case "--publication":
                    publication = Value();
                    break;
                case "-c":
                case "--config-dir":
                    configDir = Value();
                    break;
                case "--sslmode":
                    sslMode = Value();
                    break;
                case "--sslrootcert":
                    sslRootCert = Value();
                    break;
                case "--sslcert":
                    sslCert = Value();
                    break;
                case "--sslkey":
                    sslKey = Value();
                    break;
                case "--service":
                    service = Value();
                    break;
                case "--target-session-attrs":
                    targetSessionAttrs = Value();
                    break;
                case "--slot":
                    slot = Value();
                    break;
                case "--config":
                    configFile = Value();
                    break;
                case "--create-publication":
                    createPublication = true;
                    break;
                case "--all-tables":
                    allTables = true;
                    break;
                case "--drop":
                    drop = true;
                    break;
                case "--sink":
                    sinkKind = Value() switch
                    {
                        "file" => LreplSink.File,
                        "iceberg" => LreplSink.Iceberg,
                        var other => throw new ArgumentException($"unsupported sink \"{other}\" (file or iceberg)"),
                    };

                    break;
                case "--iceberg-config":
                    icebergConfig = Value();
                    break;
                case "--commit-interval":
                    var text = Value();
                    commitInterval = PgWire.Iceberg.IcebergSettings.ParseDuration(text) is { } d && d > TimeSpan.Zero
                        ? d
                        : throw new ArgumentException($"--commit-interval: \"{text}\" is not a duration (e.g. 10s, 500ms, 1m)");
                    break;
                case "--iceberg-replace":
                    icebergReplace = true;
                    break;
                case "--format":
                    format = Value() switch
                    {
                        "jsonl" => LreplFormat.JsonLines,
                        "csv" => LreplFormat.Csv,
                        var other => throw new ArgumentException($"unsupported format \"{other}\" (jsonl or csv)"),
                    };

                    break;
                default:
                    throw new ArgumentException($"unknown argument \"{args[i]}\"");
            }
        }

        if (allTables && table is not null)
        {
            throw new ArgumentException("--all-tables follows every table of the publication; leave out --table");
        }

        if (allTables && createPublication)
        {
            throw new ArgumentException("--all-tables follows the tables of an existing publication; --create-publication needs --table");
        }

        if (allTables && drop)
        {
            throw new ArgumentException("--drop takes the tables with --table (the slot's other tables go with it)");
        }

        if (string.IsNullOrEmpty(table) && !allTables)
        {
            throw new ArgumentException("--table (or --all-tables) is required");
        }

        if (string.IsNullOrEmpty(publication) && !drop)
        {
            throw new ArgumentException("--publication is required");
        }

        if (string.IsNullOrEmpty(configDir))
        {
            throw new ArgumentException("--config-dir is required");
        }

        if (slot is not null)
        {
            try
            {
                Protocol.Replication.ReplicationCommands.QuoteSlotName(slot);
            }
            catch (ArgumentException ex)
            {
                throw new ArgumentException(ex.Message.Split(" (Parameter", 2)[0]);
            }
        }

        // With a service (--service or PGSERVICE) the service, then the environment and libpq's own
        // defaults fill what the flags leave out; without one, lrepl's defaults do.
        var useService = service is not null || environment?.GetVariable("PGSERVICE") is { Length: > 0 }
            || (environment is null && Environment.GetEnvironmentVariable("PGSERVICE") is { Length: > 0 });
        var connection = new Dictionary<string, string?>(StringComparer.Ordinal)
        {
            ["user"] = user ?? (useService ? null : "postgres"),
            ["host"] = host ?? (useService ? null : "127.0.0.1"),
            ["port"] = port ?? (useService ? null : "5432"),
            ["dbname"] = database ?? (useService ? null : "postgres"),
            ["password"] = password,
        };
        foreach (var (keyword, value) in new[]
        {
            ("sslmode", sslMode), ("sslrootcert", sslRootCert), ("sslcert", sslCert), ("sslkey", sslKey),
            ("service", service), ("target_session_attrs", targetSessionAttrs),
        })
        {
            if (value is not null)
            {
                connection[keyword] = value;
            }
        }
        var options = new LreplOptions(connection, table ?? "", publication ?? "", configDir)
        {
            Tables = tables,
            AllTables = allTables,
            Slot = slot,
            CreatePublication = createPublication,
            Environment = environment,
            Sink = sinkKind,
            IcebergConfigFile = icebergConfig is null ? null : Path.GetFullPath(icebergConfig),
            CommitInterval = commitInterval,
            IcebergReplace = icebergReplace,
        };
        if (sinkKind != LreplSink.Iceberg && (icebergConfig is not null || commitInterval is not null || icebergReplace))
        {
            throw new ArgumentException("--iceberg-config, --commit-interval and --iceberg-replace go with --sink iceberg");
        }

        if (sinkKind == LreplSink.Iceberg && format is not null)
        {
            throw new ArgumentException("--format is for the data file; the Iceberg sink writes Parquet (drop --format or use --sink file)");
        }
        if (configFile is not null)
        {
            Akka.Configuration.Config config, file;
            try
            {
                file = PgWireConfig.Parse(configFile);
                config = file.WithFallback(PgWireConfig.Default);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or Akka.Configuration.ConfigurationException)
            {
                throw new ArgumentException($"cannot read --config {configFile}: {ex.Message}");
            }

            // Its akka keys go to the run's actor system (under lrepl's own: LreplRunner.SystemConfig).
            options = options.WithConfig(config) with { SystemConfig = file.HasPath("akka") ? file : null };
        }

        return format is { } f ? options with { Format = f } : options;
    }
}
