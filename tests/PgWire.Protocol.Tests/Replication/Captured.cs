namespace PgWire.Protocol.Tests.Replication;

/// <summary>
/// pgoutput messages captured from PostgreSQL 15 (wal_level=logical, logical_decoding_work_mem=64kB) with
///   SELECT lsn, xid, encode(data, 'hex') FROM pg_logical_slot_peek_binary_changes('s', NULL, NULL,
///     'proto_version', '1', 'publication_names', 'pub', 'messages', 'true' [, options below])
/// after this schema (PUBLICATION pub FOR ALL TABLES):
///   CREATE TYPE mood AS ENUM ('sad','happy');
///   CREATE TABLE items(id int primary key, name text, note text, m mood);          -- oid 16389
///   ALTER TABLE items ALTER COLUMN note SET STORAGE EXTERNAL;
///   CREATE TABLE full_t(id int, v text); ALTER TABLE full_t REPLICA IDENTITY FULL; -- oid 16396
///   CREATE TABLE parent(id serial primary key);                                    -- oid 16402
///   CREATE TABLE child(id int references parent(id));                              -- oid 16408
///   CREATE TABLE bigt(id int, pad text);                                           -- oid 16416
/// </summary>
internal static class Captured
{
    public static byte[] Bytes(string hex) => Convert.FromHexString(hex);

    // INSERT INTO items VALUES (1, 'alpha', NULL, 'happy');  (xid 733)
    public const string BeginInsert = "42000000000153ca100003042a1f03dae0000002dd";
    public const string TypeMood = "59000040017075626c6963006d6f6f6400";
    public const string RelationItems = "52000040057075626c6963006974656d73006400040169640000000017ffffffff006e616d650000000019ffffffff006e6f74650000000019ffffffff006d0000004001ffffffff";
    public const string InsertItems = "49000040054e00047400000001317400000005616c7068616e74000000056861707079";
    public const string CommitInsert = "4300000000000153ca10000000000153ca400003042a1f03dae0";

    // UPDATE items SET name = 'beta' WHERE id = 1;
    public const string UpdatePlain = "55000040054e00047400000001317400000004626574616e74000000056861707079";

    // UPDATE items SET name = 'gamma' WHERE id = 1;  (note holds an external TOAST value of 3000 'x')
    public const string UpdateUnchangedToast = "55000040054e0004740000000131740000000567616d6d617574000000056861707079";

    // UPDATE items SET id = 2 WHERE id = 1;
    public const string UpdateKey = "55000040054b00047400000001316e6e6e4e0004740000000132740000000567616d6d617574000000056861707079";

    // DELETE FROM items WHERE id = 2;
    public const string DeleteKey = "44000040054b00047400000001326e6e6e";

    // INSERT INTO full_t VALUES (10, 'one'); UPDATE full_t SET v = 'two' WHERE id = 10; DELETE FROM full_t WHERE id = 10;
    public const string RelationFull = "520000400c7075626c69630066756c6c5f74006600020169640000000017ffffffff01760000000019ffffffff";
    public const string InsertFull = "490000400c4e00027400000002313074000000036f6e65";
    public const string UpdateOld = "550000400c4f00027400000002313074000000036f6e654e000274000000023130740000000374776f";
    public const string DeleteOld = "440000400c4f000274000000023130740000000374776f";

    // SELECT pg_logical_emit_message(true, 'pfx', 'hello'); SELECT pg_logical_emit_message(false, 'ntx', 'bye');
    public const string MessageTransactional = "4d01000000000153dd30706678000000000568656c6c6f";
    public const string MessageNonTransactional = "4d00000000000153dda06e74780000000003627965";

    // TRUNCATE parent RESTART IDENTITY CASCADE;
    public const string RelationParent = "52000040127075626c696300706172656e74006400010169640000000017ffffffff";
    public const string RelationChild = "52000040187075626c6963006368696c64006400010069640000000017ffffffff";
    public const string Truncate = "5400000002030000401200004018";

    // pg_replication_origin_session_setup('orig'); BEGIN;
    // pg_replication_origin_xact_setup('0/ABCDEF', '2024-01-02 03:04:05.123456+00'); INSERT INTO full_t ...; COMMIT;
    public const string BeginOrigin = "42000000000153eed00002b0ec8517d580000002eb";
    public const string Origin = "4f0000000000abcdef6f72696700";
    public const string InsertOrigin = "490000400c4e000274000000023230740000000b66726f6d206f726967696e";
    public const string CommitOrigin = "4300000000000153eed0000000000153ef180002b0ec8517d580";

    // Same slot with 'binary', 'true': INSERT (1, 'alpha', NULL, 'happy') and the full_t update.
    public const string InsertItemsBinary = "49000040054e00046200000004000000016200000005616c7068616e62000000056861707079";
    public const string UpdateOldBinary = "550000400c4f000262000000040000000a62000000036f6e654e000262000000040000000a620000000374776f";

    // 'proto_version', '2', 'streaming', 'on':
    // BEGIN; INSERT INTO bigt SELECT g, repeat('p', 100) FROM generate_series(1, 2000) g;
    // SELECT pg_logical_emit_message(true, 'big', 'inside'); COMMIT;   (xid 748 = 0x2ec)
    public const string StreamStartFirst = "53000002ec01";
    public const string StreamRelationBigt = "52000002ec000040207075626c69630062696774006400020069640000000017ffffffff007061640000000019ffffffff";
    public const string StreamInsertBigt = "49000002ec000040204e00027400000001317400000064" + "70707070707070707070707070707070707070707070707070707070707070707070707070707070707070707070707070707070707070707070707070707070707070707070707070707070707070707070707070707070707070707070707070707070";
    public const string StreamStop = "45";
    public const string StreamStartNext = "53000002ec00";
    public const string StreamMessage = "4d000002ec01000000000158d5006269670000000006696e73696465";
    public const string StreamCommit = "63000002ec00000000000158d500000000000158d5300003042a1f03f8bc";

    // BEGIN; INSERT INTO bigt ... repeat('q', 100) ... 2000 rows; ROLLBACK;   (xid 749)
    public const string StreamAbortTop = "41000002ed000002ed";

    // BEGIN; INSERT INTO bigt VALUES (0, 'kept'); SAVEPOINT sp; INSERT ... repeat('r', 100) ... 2000 rows;
    // ROLLBACK TO SAVEPOINT sp; COMMIT;   (xid 750, subtransaction 751)
    public const string StreamInsertSubxact = "49000002ef000040204e00027400000001317400000064" + "72727272727272727272727272727272727272727272727272727272727272727272727272727272727272727272727272727272727272727272727272727272727272727272727272727272727272727272727272727272727272727272727272727272";
    public const string StreamAbortSubxact = "41000002ee000002ef";

    // Slot created by pg_create_logical_replication_slot('s3', 'pgoutput', false, true), read with
    // 'proto_version', '3', 'streaming', 'on', 'two_phase', 'on':
    // BEGIN; INSERT INTO items VALUES (5, 'prep', NULL, 'sad'); PREPARE TRANSACTION 'gx1'; COMMIT PREPARED 'gx1';
    public const string BeginPrepare = "62000000000162a1e8000000000162a2e00003042a1f040751000002f067783100";
    public const string Prepare = "5000000000000162a1e8000000000162a2e00003042a1f040751000002f067783100";
    public const string CommitPrepared = "4b00000000000162a2e0000000000162a3180003042a1f04084a000002f067783100";

    // BEGIN; INSERT INTO items VALUES (6, 'prep2', NULL, 'sad'); PREPARE TRANSACTION 'gx2'; ROLLBACK PREPARED 'gx2';
    public const string RollbackPrepared = "7200000000000162a498000000000162a4d00003042a1f0409b90003042a1f040a6e000002f167783200";

    // BEGIN; INSERT INTO bigt ... repeat('s', 100) ... 2000 rows; PREPARE TRANSACTION 'gx3'; COMMIT PREPARED 'gx3';
    public const string StreamPrepare = "70000000000001678a780000000001678b700003042a1f04102d000002f267783300";
    public const string CommitPreparedStreamed = "4b000000000001678b700000000001678ba80003042a1f041132000002f267783300";

    public static DateTimeOffset Ts(long micros) => new DateTimeOffset(2000, 1, 1, 0, 0, 0, TimeSpan.Zero).AddTicks(micros * 10);

    /// <summary>Every captured message with the decoder settings and streaming state it needs.</summary>
    public static IEnumerable<(string Name, string Hex, int Version, bool InStream)> All()
    {
        foreach (var f in typeof(Captured).GetFields())
        {
            if (f.IsLiteral && f.GetRawConstantValue() is string hex)
            {
                var streamedData = f.Name is nameof(StreamRelationBigt) or nameof(StreamInsertBigt) or nameof(StreamMessage)
                    or nameof(StreamInsertSubxact) or nameof(StreamStop);
                var version = f.Name switch
                {
                    nameof(BeginPrepare) or nameof(Prepare) or nameof(CommitPrepared) or nameof(RollbackPrepared)
                        or nameof(StreamPrepare) or nameof(CommitPreparedStreamed) => 3,
                    _ when f.Name.StartsWith("Stream", StringComparison.Ordinal) => 2,
                    _ => 1,
                };
                yield return (f.Name, hex, version, streamedData);
            }
        }
    }
}
