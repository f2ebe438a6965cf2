# gen_intros.awk - an mbox of introductions, each its own referrer and
# lead, for the ingest fault tests and the scale benchmark:
#   awk -v a=FIRST -v b=LAST -v tag=TAG -f gen_intros.awk
# writes intros FIRST..LAST with Message-IDs <TAG-N@partner.test>.
BEGIN {
	for (i = a; i <= b; i++) {
		printf "From ref%d@partner.test Mon Jan  7 09:00:00 2030\n", i
		printf "From: Referrer %d <ref%d@partner.test>\nTo: Lead %d <lead%d@client.test>\n", i, i, i, i
		printf "Cc: agent@biz.test\nSubject: Intro: Lead %d <> Brightpath\n", i
		printf "Message-ID: <%s-%d@partner.test>\nDate: Mon, 07 Jan 2030 09:00:00 +0000\n\n", tag, i
		printf "Lead %d, meet Brightpath. Happy to connect you two; they redid our kitchen\n", i
		printf "last year and were great. Lead %d wants a bathroom remodel this spring and\n", i
		printf "has a budget of about $20,000. Best number is (415) 555-%04d.\n\nBest,\nReferrer %d\n\n", i % 10000, i
	}
}
