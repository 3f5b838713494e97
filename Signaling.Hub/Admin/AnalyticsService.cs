using Signaling.Contracts.Admin;
using Signaling.Contracts.Http;
using Signaling.Hub.Security;

namespace Signaling.Hub.Admin;

/// <summary>Outcomes of an organization's connect requests.</summary>
public sealed class AnalyticsService(IConnectRequestStore requests)
{
    /// <summary>Enough for any one org's history on the embedded store; figures cover the most recent requests beyond it.</summary>
    private const int Window = 100_000;

    public async Task<IReadOnlyList<ConnectRequestSummary>> ListAsync(CallerIdentity admin, int? limit)
    {
        PresenceService.RequireAdmin(admin);
        if (limit is < 1 or > 1000)
        {
            throw Common.RefusalException.InvalidArgument("'limit' must be between 1 and 1000");
        }

        var list = await requests.ListAsync(PresenceService.OrgOf(admin), limit ?? 100);
        return list.Select(r => new ConnectRequestSummary(r.RequestId, r.ClientId, r.AdminId, r.Priority, r.Status, r.CreatedAt, r.ExpiresAt, r.AnsweredAt, r.Reason)).ToList();
    }

    public async Task<AnalyticsReport> ReportAsync(CallerIdentity admin)
    {
        PresenceService.RequireAdmin(admin);
        var org = PresenceService.OrgOf(admin);
        var all = await requests.ListAsync(org, Window);
        var byStatus = Enum.GetValues<ConnectRequestStatus>().ToDictionary(s => s, s => all.Count(r => r.Status == s));
        var accepted = byStatus[ConnectRequestStatus.Accepted];
        var finished = accepted + byStatus[ConnectRequestStatus.Declined] + byStatus[ConnectRequestStatus.Expired] + byStatus[ConnectRequestStatus.Cancelled];
        var answerTimes = all
            .Where(r => r.Status is ConnectRequestStatus.Accepted or ConnectRequestStatus.Declined && r.AnsweredAt is not null)
            .Select(r => r.AnsweredAt!.Value - r.CreatedAt)
            .Order()
            .ToList();
        return new AnalyticsReport(org, all.Count, byStatus, finished == 0 ? 0 : (double)accepted / finished, Median(answerTimes));
    }

    private static long? Median(List<long> sorted) => sorted.Count switch
    {
        0 => null,
        var n when n % 2 == 1 => sorted[n / 2],
        var n => (sorted[(n / 2) - 1] + sorted[n / 2]) / 2,
    };
}
