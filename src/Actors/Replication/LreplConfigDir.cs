using System.Text.Json;
using System.Text.Json.Nodes;

namespace PgWire.Actors.Replication;

/// <summary>
/// The config directory of lrepl runs: held by one process at a time (an exclusive lock on
/// <c>lrepl.lock</c>), with an identity and a record of what its runs created on the server
/// (<c>lrepl.dir</c>), so that a run never drops or reuses a replication slot or publication that
/// another directory (or another tool) made.
/// </summary>
/// <remarks>
/// <para>
/// <c>lrepl.dir</c> is a small JSON document, replaced atomically (written beside, fsynced, renamed,
/// the directory fsynced): the directory's id (part of the state journal's persistence id, so two
/// directories that share a PostgreSQL state store never share state), the replication slots whose
/// creation a run of this directory started, and the publications a run created. A slot is recorded
/// before <c>CREATE_REPLICATION_SLOT</c> is sent, so a crash between the two still leaves a slot the
/// directory knows as its own.
/// </para>
/// <para>
/// A directory written before identities existed (a state database or data file, no <c>lrepl.dir</c>)
/// is adopted: it gets an id, and keeps its old persistence ids (<see cref="LegacyState"/>).
/// </para>
/// </remarks>
public sealed partial class LreplConfigDir : IDisposable
{
    public const string FileName = "lrepl.dir";
    public const string LockName = "lrepl.lock";

    private readonly FileStream _lock;
    private readonly HashSet<string> _slots;
    private readonly HashSet<string> _publications;
    private readonly Dictionary<string, string[]> _slotTables = new(StringComparer.Ordinal);
    private readonly HashSet<string> _copying = new(StringComparer.Ordinal);

    private LreplConfigDir(string path, FileStream @lock, string id, bool legacy, HashSet<string> slots, HashSet<string> publications)
    {
        Path = path;
        _lock = @lock;
        Id = id;
        LegacyState = legacy;
        _slots = slots;
        _publications = publications;
    }

    public string Path { get; }

    /// <summary>This directory's identity, made on its first run.</summary>
    public string Id { get; }

    /// <summary>The directory holds state from before directory ids: its persistence ids stay the old ones.</summary>
    public bool LegacyState { get; }

    /// <summary>Replication slots this directory created (or was about to create).</summary>
    public IReadOnlyCollection<string> Slots => _slots;

    /// <summary>Publications a run of this directory created.</summary>
    public IReadOnlyCollection<string> Publications => _publications;

    public bool OwnsSlot(string slot) => _slots.Contains(slot);

    /// <summary>The tables (as the run named them) the last run of <paramref name="slot"/> followed; null when not recorded.</summary>
    public IReadOnlyList<string>? TablesOf(string slot) => _slotTables.TryGetValue(slot, out var tables) ? tables : null;

    /// <summary>The slot of this directory whose last run followed the table <paramref name="table"/> names, if any.</summary>
    public string? SlotOf(string table)
    {
        var key = LreplOptions.KeyOf(table);
        return _slotTables.Where(e => _slots.Contains(e.Key) && e.Value.Any(t => LreplOptions.KeyOf(t) == key)).Select(e => e.Key).Order(StringComparer.Ordinal).FirstOrDefault();
    }

    /// <summary>Records which tables (as the run names them) a run of <paramref name="slot"/> follows, before it streams them.</summary>
    public void RecordTables(string slot, IEnumerable<string> tableNames)
    {
        var tables = tableNames.Distinct(StringComparer.Ordinal).ToArray();
        var had = _slotTables.TryGetValue(slot, out var before);
        if (had && before!.SequenceEqual(tables, StringComparer.Ordinal))
        {
            return;
        }

        SaveOrUndo(() => _slotTables[slot] = tables, () =>
        {
            if (had)
            {
                _slotTables[slot] = before!;
            }
            else
            {
                _slotTables.Remove(slot);
            }
        });
    }

    public bool CreatedPublication(string publication) => _publications.Contains(publication);

    /// <summary>
    /// Records, durably, that a run is about to copy a table's snapshot into <paramref name="dataFile"/>
    /// (a file name in this directory): a run killed before the copy is recorded leaves a file that the
    /// next run knows as its own unfinished copy, not as someone else's data.
    /// </summary>
    public void RecordCopying(string dataFile) => Change(_copying, dataFile, add: true);

    /// <summary>Forgets <paramref name="dataFile"/> once its copy is recorded, or removed.</summary>
    public void ForgetCopying(string dataFile) => Change(_copying, dataFile, add: false);

    /// <summary>Whether a run started to copy into <paramref name="dataFile"/> and did not finish recording it.</summary>
    public bool IsCopying(string dataFile) => _copying.Contains(dataFile);

    /// <summary>
    /// Makes sure <paramref name="path"/> is a directory this process can write (creating it when
    /// missing) and takes it for this process. Every failure is one line in the tool's words.
    /// </summary>
    /// <param name="legacyHint">A file whose presence means the directory predates directory ids (a data file).</param>
    public static LreplConfigDir Open(string path, string? legacyHint = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);

        // Whether files can be written here shows when the lock and lrepl.dir are: the write probe
        // of Prepare (which a standalone run has made already) is not repeated.
        EnsureDirectory(path);
        FileStream lockFile;
        var lockPath = System.IO.Path.Combine(path, LockName);
        try
        {
            // FileShare.None takes an exclusive advisory lock (flock) on Unix: a second process, or a
            // second run in this process, is refused at once; the lock goes with the process.
            lockFile = new FileStream(lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.None);
        }
        catch (IOException)
        {
            throw new LreplException($"config dir {path} is in use by another lrepl process (it holds {lockPath}); one config dir serves one process at a time");
        }
        catch (UnauthorizedAccessException)
        {
            throw new LreplException($"config dir {path} is not writable (cannot open {lockPath})");
        }

        try
        {
            var file = System.IO.Path.Combine(path, FileName);
            if (File.Exists(file))
            {
                return Load(path, file, lockFile);
            }

            var legacy = File.Exists(System.IO.Path.Combine(path, "lrepl-state.db")) || (legacyHint is not null && File.Exists(legacyHint));
            var dir = new LreplConfigDir(path, lockFile, Guid.NewGuid().ToString("N"), legacy, new HashSet<string>(StringComparer.Ordinal), new HashSet<string>(StringComparer.Ordinal));
            dir.Save();
            return dir;
        }
        catch
        {
            lockFile.Dispose();
            throw;
        }
    }

    /// <summary>Creates <paramref name="path"/> when missing and checks that files can be written and synced in it.</summary>
    public static void Prepare(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        EnsureDirectory(path);
        var probe = System.IO.Path.Combine(path, ".lrepl-write-check");
        try
        {
            using (var f = new FileStream(probe, FileMode.Create, FileAccess.Write, FileShare.None, 1, FileOptions.None))
            {
                f.Write("lrepl\n"u8);
                f.Flush(flushToDisk: true);
            }

            File.Delete(probe);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            TryDelete(probe);
            throw new LreplException($"config dir {path} is not writable: {Reason(ex)}", ex);
        }
    }

    /// <summary>Creates <paramref name="path"/> when missing; a file there, or a path that cannot be made, is one line.</summary>
    private static void EnsureDirectory(string path)
    {
        if (File.Exists(path))
        {
            throw new LreplException($"config dir {path} is a file, not a directory");
        }

        try
        {
            Directory.CreateDirectory(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new LreplException($"cannot create config dir {path}: {Reason(ex)}", ex);
        }
    }

    /// <summary>The state journal's persistence id of a table's replication in this directory.</summary>
    public string PersistenceId(string baseId) => LegacyState ? baseId : baseId + "@" + Id;

    /// <summary>Records, durably, that this directory is about to create <paramref name="slot"/>: call before creating it.</summary>
    public void RecordSlot(string slot) => Change(_slots, slot, add: true);

    /// <summary>Forgets <paramref name="slot"/> once it has been dropped.</summary>
    public void ForgetSlot(string slot)
    {
        Change(_slots, slot, add: false);
        if (_slotTables.TryGetValue(slot, out var tables))
        {
            SaveOrUndo(() => _slotTables.Remove(slot), () => _slotTables[slot] = tables);
        }
    }

    public void RecordPublication(string publication) => Change(_publications, publication, add: true);

    public void ForgetPublication(string publication) => Change(_publications, publication, add: false);

    public void Dispose() => _lock.Dispose();

    /// <summary>Adds or removes a name and saves the file; in memory nothing changes when the save fails.</summary>
    private void Change(HashSet<string> names, string name, bool add)
    {
        if (add ? !names.Contains(name) : names.Contains(name))
        {
            SaveOrUndo(() => _ = add ? names.Add(name) : names.Remove(name), () => _ = add ? names.Remove(name) : names.Add(name));
        }
    }

    /// <summary>Applies a change in memory and saves the file; when the save fails the change is undone.</summary>
    private void SaveOrUndo(Action apply, Action undo)
    {
        apply();
        try
        {
            Save();
        }
        catch
        {
            undo();
            throw;
        }
    }

    private static LreplConfigDir Load(string path, string file, FileStream lockFile)
    {
        JsonNode? root;
        try
        {
            root = JsonNode.Parse(File.ReadAllBytes(file));
        }
        catch (JsonException ex)
        {
            throw new LreplException($"{file} is damaged ({ex.Message}); it records which replication slots this config dir owns, so lrepl will not guess", ex);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new LreplException($"cannot read {file}: {Reason(ex)}", ex);
        }

        var id = root?["id"]?.GetValue<string>();
        if (string.IsNullOrEmpty(id))
        {
            throw new LreplException($"{file} has no directory id; it records which replication slots this config dir owns, so lrepl will not guess");
        }

        var legacy = root!["legacyState"]?.GetValue<bool>() ?? false;
        var slots = new HashSet<string>(Names(root["slots"]), StringComparer.Ordinal);
        var publications = new HashSet<string>(Names(root["publications"]), StringComparer.Ordinal);
        var dir = new LreplConfigDir(path, lockFile, id, legacy, slots, publications);
        if (root["slotTables"] is JsonObject slotTables)
        {
            foreach (var (slot, tables) in slotTables)
            {
                dir._slotTables[slot] = [.. Names(tables)];
            }
        }

        dir._copying.UnionWith(Names(root["copying"]));

        return dir;
    }

    private static IEnumerable<string> Names(JsonNode? node) =>
        node is JsonArray array ? array.Select(n => n?.GetValue<string>()).Where(n => n is not null).Select(n => n!) : [];

    private void Save()
    {
        var doc = new JsonObject
        {
            ["id"] = Id,
            ["legacyState"] = LegacyState,
            ["slots"] = new JsonArray([.. _slots.Order(StringComparer.Ordinal).Select(s => (JsonNode?)JsonValue.Create(s))]),
            ["publications"] = new JsonArray([.. _publications.Order(StringComparer.Ordinal).Select(s => (JsonNode?)JsonValue.Create(s))]),
        };
        if (_slotTables.Count > 0)
        {
            var slotTables = new JsonObject();
            foreach (var (slot, tables) in _slotTables.OrderBy(e => e.Key, StringComparer.Ordinal))
            {
                slotTables[slot] = new JsonArray([.. tables.Select(t => (JsonNode?)JsonValue.Create(t))]);
            }

            doc["slotTables"] = slotTables;
        }

        if (_copying.Count > 0)
        {
            doc["copying"] = new JsonArray([.. _copying.Order(StringComparer.Ordinal).Select(s => (JsonNode?)JsonValue.Create(s))]);
        }

        var file = System.IO.Path.Combine(Path, FileName);
        var temp = file + ".new";
        try
        {
            using (var f = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None, 1, FileOptions.None))
            {
                using (var writer = new Utf8JsonWriter(f, new JsonWriterOptions { Indented = true }))
                {
                    doc.WriteTo(writer);
                }

                f.Write("\n"u8);
                f.Flush(flushToDisk: true);
            }

            File.Move(temp, file, overwrite: true);
            SyncDirectory(Path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            TryDelete(temp);
            throw new LreplException($"cannot record the config dir's state in {file}: {Reason(ex)}", ex);
        }
    }

    /// <summary>fsync of a directory, so a rename in it survives a crash.</summary>
    private static void SyncDirectory(string path) => PgWire.Iceberg.DurableFiles.SyncDirectory(path);

    /// <summary>
    /// The reason of a file error in a few words, without .NET's sentence around the path
    /// (<c>No space left on device : '/x/y'</c> gives <c>no space left on device</c>).
    /// </summary>
    internal static string Reason(Exception ex)
    {
        if (ex is UnauthorizedAccessException)
        {
            return "permission denied";
        }

        // .NET names the path in quotes; the caller has already named it.
        var message = System.Text.RegularExpressions.Regex.Replace(ex.Message, @"\s*:?\s*'[^']*'", "").TrimEnd('.', ' ');
        return message.Length > 1 && char.IsUpper(message[0]) && !char.IsUpper(message[1])
            ? char.ToLowerInvariant(message[0]) + message[1..]
            : message;
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
        }
    }
}
