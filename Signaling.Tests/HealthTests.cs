using System.Net;
using Signaling.Tests.Infrastructure;

namespace Signaling.Tests;

public sealed class HealthTests
{
    [Fact]
    public async Task Liveness_and_readiness_answer_without_a_token()
    {
        using var app = new SignalingApplication();
        using var http = app.CreateHttpClient();
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/health/live")).StatusCode);
        var ready = await http.GetAsync("/health/ready");
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        Assert.Equal("Healthy", await ready.Content.ReadAsStringAsync());
    }

    [Fact]
    public void A_missing_signing_key_fails_start_with_a_message_naming_the_key()
    {
        var ex = Assert.ThrowsAny<Exception>(() => new SignalingApplication(new Dictionary<string, string?> { ["Signaling:Jwt:SigningKey"] = "" }, environment: "Production"));
        Assert.Contains("Signaling:Jwt:SigningKey", ProblemAssert.Messages(ex), StringComparison.Ordinal);
        var shortKey = Assert.ThrowsAny<Exception>(() => new SignalingApplication(new Dictionary<string, string?> { ["Signaling:Jwt:SigningKey"] = "short" }));
        Assert.Contains("Signaling:Jwt:SigningKey", ProblemAssert.Messages(shortKey), StringComparison.Ordinal);
    }

}
