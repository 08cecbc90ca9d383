using PgWire.Host.Psql;
using PgWire.Host.Psql.Describe;
using PgWire.Tests.Shared;
using Xunit;

namespace PgWire.Host.Tests.Describe;

public class DescribeCommandsTests
{
    [PsqlTheory]
    [InlineData("d", "dsct.parent")]
    [InlineData("d", "dsct.child")]
    [InlineData("d", "dsct.parent_v")]
    [InlineData("d", "dsct.mv")]
    [InlineData("d", "dsct.seq1")]
    [InlineData("d", "dsct.parent_id_seq")]
    [InlineData("d", "dsct.child_id_seq")]
    [InlineData("d", "dsct.parent_pkey")]
    [InlineData("d", "dsct.child_parent_idx")]
    [InlineData("d", "dsct.child_mixed_idx")]
    [InlineData("d", "dsct.parent_code_key")]
    [InlineData("d", "dsct.pol")]
    [InlineData("d", "dsct.inh")]
    [InlineData("d", "dsct.ul")]
    [InlineData("d", "dsct_other.thing")]
    [InlineData("d", "dsct.\"Quoted Tab\"")]
    [InlineData("d", "DSCT.PARENT")]
    [InlineData("d", "dsct.p*")]
    [InlineData("d", "dsct.chil?")]
    [InlineData("d", "dsct*.*")]
    [InlineData("d", "dsct.*")]
    [InlineData("d", "dsct.nope")]
    [InlineData("d", "nope_at_all")]
    [InlineData("d", "\"dsct\".\"parent\"")]
    [InlineData("dt", "dsct.*")]
    [InlineData("dt+", "dsct.parent")]
    [InlineData("dtS", "pg_class")]
    [InlineData("dt", "pg_clas?")]
    [InlineData("di", "dsct.*")]
    [InlineData("dv", "dsct.*")]
    [InlineData("ds", "dsct.*")]
    [InlineData("dm", "dsct.*")]
    [InlineData("dtv", "dsct.p*")]
    [InlineData("dt", "dsct.nothing*")]
    [InlineData("dE", "")]
    [InlineData("dn", "dsct*")]
    [InlineData("dn+", "dsct")]
    [InlineData("dn", "dsct_other")]
    [InlineData("dn+", "dsct_other")]
    [InlineData("dn", "nope")]
    [InlineData("df", "dsct.*")]
    [InlineData("df", "nope")]
    [InlineData("du", "dsct*")]
    [InlineData("dg", "dsct_role")]
    [InlineData("du+", "dsct*")]
    [InlineData("du", "nope")]
    [InlineData("l", "pgwire_test")]
    [InlineData("l", "nope")]
    [InlineData("l+", "template0")]
    [InlineData("d", "")]
    [InlineData("d+", "dsct.parent")]
    [InlineData("d+", "dsct.child")]
    [InlineData("d+", "dsct.parent_v")]
    [InlineData("d+", "dsct.mv")]
    [InlineData("d+", "dsct.child_parent_idx")]
    [InlineData("d+", "dsct.seq1")]
    [InlineData("d+", "dsct.pol")]
    [InlineData("d+", "dsct.inh")]
    [InlineData("d+", "dsct.ul")]
    [InlineData("d+", "dsct.part")]
    [InlineData("d", "dsct.part")]
    [InlineData("d", "dsct.part_a")]
    [InlineData("d+", "dsct.part_a")]
    [InlineData("d+", "dsct.part_d")]
    [InlineData("d+", "dsct.part_e")]
    [InlineData("d", "dsct.part_e")]
    [InlineData("d+", "dsct.opts")]
    [InlineData("d", "dsct.stx")]
    [InlineData("d+", "dsct.stx")]
    [InlineData("d", "dsct.spc")]
    [InlineData("d+", "dsct.spc")]
    [InlineData("d", "dsct.spc_b")]
    [InlineData("d", "dsct.lp")]
    [InlineData("d+", "dsct.lp")]
    [InlineData("d", "dsct.lp_id")]
    [InlineData("d+", "dsct.lp_id")]
    [InlineData("d", "dsct.lp1_id_idx")]
    [InlineData("d+", "dsct.lp1_id_idx")]
    [InlineData("d+", "dsct.lp11_id_idx")]
    [InlineData("d+", "dsct.lp1")]
    [InlineData("d", "dsct.opts_v")]
    [InlineData("d+", "dsct.opts_v")]
    [InlineData("d", "dsct.ft")]
    [InlineData("d+", "dsct.ft")]
    [InlineData("d", "dsct.ft_plain")]
    [InlineData("d", "dsct.multi")]
    [InlineData("dS+", "pg_catalog.pg_am")]
    [InlineData("df+", "dsct.*")]
    [InlineData("dv+", "dsct.*")]
    [InlineData("ds+", "dsct.*")]
    [InlineData("di+", "dsct.*")]
    [InlineData("dm+", "dsct.*")]
    [InlineData("dt", "dsct.\"Quoted*\"")]
    [InlineData("dt", "dsct.\"Quoted\"*")]
    [InlineData("dt", "dsct.par$")]
    [InlineData("dt", "dsct.(parent|child)")]
    [InlineData("dt", "dsct.pa[r]ent")]
    [InlineData("d", "a.b.c.d")]
    [InlineData("d+", "")]
    [InlineData("dS", "")]
    [InlineData("dt", "")]
    [InlineData("dtS+", "pg_catalog.pg_am*")]
    [InlineData("diS", "pg_catalog.pg_class_*")]
    [InlineData("dn", "")]
    [InlineData("dnS", "")]
    [InlineData("df", "")]
    [InlineData("dfS", "pg_catalog.int4p*")]
    [InlineData("du", "")]
    [InlineData("dg", "")]
    [InlineData("l", "")]

    // Sizes of databases other tests write to move between the two runs: the templates' do not.
    [InlineData("l+", "template*")]
    public async Task Output_matches_psql(string command, string args)
    {
        await AssertSameAsPsql(command, args, new PrintOptions());
    }

    [PsqlTheory]
    [InlineData("d", "dsct.child", "border0")]
    [InlineData("d", "dsct.child", "border2")]
    [InlineData("d", "dsct.child", "unaligned")]
    [InlineData("d", "dsct.child", "expanded")]
    [InlineData("d", "dsct.child", "expanded-border0")]
    [InlineData("d", "dsct.child", "expanded-border2")]
    [InlineData("d", "dsct.child", "unaligned-expanded")]
    [InlineData("d", "dsct.child", "csv")]
    [InlineData("d", "dsct.child", "csv-expanded")]
    [InlineData("d", "dsct.child", "tuples")]
    [InlineData("d", "dsct.child", "footer-off")]
    [InlineData("d", "dsct.seq1", "expanded")]
    [InlineData("d", "dsct.child_id_seq", "unaligned")]
    [InlineData("d", "dsct.child_id_seq", "unaligned-expanded")]
    [InlineData("d", "dsct.parent_v", "expanded")]
    [InlineData("dt", "dsct.*", "expanded")]
    [InlineData("dt", "dsct.*", "footer-off")]
    [InlineData("du", "dsct*", "unaligned")]
    [InlineData("du", "dsct*", "expanded")]
    public async Task Output_matches_psql_in_every_format(string command, string args, string mode)
    {
        var options = new PrintOptions();
        var psqlArgs = new List<string>();
        foreach (string part in mode.Split('-'))
        {
            switch (part)
            {
                case "border0":
                    options.Border = 0;
                    psqlArgs.AddRange(["-P", "border=0"]);
                    break;
                case "border2":
                    options.Border = 2;
                    psqlArgs.AddRange(["-P", "border=2"]);
                    break;
                case "unaligned":
                    options.Format = OutputFormat.Unaligned;
                    psqlArgs.Add("-A");
                    break;
                case "csv":
                    options.Format = OutputFormat.Csv;
                    psqlArgs.Add("--csv");
                    break;
                case "expanded":
                    options.Expanded = ExpandedMode.On;
                    psqlArgs.Add("-x");
                    break;
                case "tuples":
                    options.TuplesOnly = true;
                    psqlArgs.Add("-t");
                    break;
                case "footer":
                    options.Footer = false;
                    psqlArgs.AddRange(["-P", "footer=off"]);
                    break;
                case "off":
                    break;
                default:
                    throw new ArgumentException(mode);
            }
        }

        await AssertSameAsPsql(command, args, options, psqlArgs.ToArray());
    }

    [ClusterFact]
    public async Task Commands_that_are_not_describe_commands_are_declined()
    {
        DescribeFixture.Ensure();
        await using var host = await TestMetaCommandHost.ConnectAsync();
        foreach (string command in new[] { "x", "dz", "dz+", "lo_import", "dq", "" })
        {
            var (result, stdout, stderr) = await host.RunAsync(command, "");
            Assert.Null(result);
            Assert.Equal("", stdout);
            Assert.Equal("", stderr);
        }
    }

    [PsqlFact]
    public async Task Missing_relation_fails_and_empty_listing_succeeds()
    {
        DescribeFixture.Ensure();
        await using var host = await TestMetaCommandHost.ConnectAsync();
        var (missing, _, missingErr) = await host.RunAsync("d", "nope_at_all");
        Assert.False(missing);
        Assert.Equal("Did not find any relation named \"nope_at_all\".\n", missingErr);

        var (empty, _, emptyErr) = await host.RunAsync("dt", "nope_at_all*");
        Assert.True(empty);
        Assert.Equal("Did not find any relation named \"nope_at_all*\".\n", emptyErr);
    }

    private static async Task AssertSameAsPsql(string command, string args, PrintOptions options, params string[] psqlOptions)
    {
        DescribeFixture.Ensure();
        var psqlArgs = new List<string> { "-X", "-d", DescribeFixture.Database };
        psqlArgs.AddRange(psqlOptions);
        psqlArgs.AddRange(["-c", args.Length == 0 ? "\\" + command : "\\" + command + " " + args]);
        var (_, expectedOut, expectedErr) = TestCluster.RunPsql(psqlArgs.ToArray());

        await using var host = await TestMetaCommandHost.ConnectAsync();
        CopyOptions(options, host.Print);
        var (result, actualOut, actualErr) = await host.RunAsync(command, args);

        Assert.NotNull(result);
        Assert.Equal(expectedErr, actualErr);
        Assert.Equal(expectedOut, actualOut);
    }

    private static void CopyOptions(PrintOptions from, PrintOptions to)
    {
        to.Format = from.Format;
        to.Border = from.Border;
        to.Expanded = from.Expanded;
        to.TuplesOnly = from.TuplesOnly;
        to.Footer = from.Footer;
    }
}
